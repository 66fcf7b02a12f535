import { spawnScript } from '@election/tools';
import type { NodeEvent } from '../nodes/report.js';
import { sharedNow } from './clock.js';
import { waitFor } from './wait-for.js';

/** A node process the orchestrator started: its JSON-line events, and signals to fault it. */
export interface NodeProcess {
  readonly id: string;
  readonly pid: number;
  /** Every event the node printed, in order. */
  readonly events: readonly NodeEvent[];
  /** Shared-clock time when the orchestrator sent each signal. */
  signal(signal: NodeJS.Signals): number;
  readonly exited: Promise<void>;
  readonly alive: boolean;
  /** Resolves with the first event (from index `from`) matching `predicate`. */
  waitForEvent(
    predicate: (event: NodeEvent) => boolean,
    timeoutMs: number,
    from?: number,
  ): Promise<NodeEvent>;
  /** Writes one JSON line to the node's stdin (a command). */
  send(command: Record<string, unknown>): void;
  /** stderr tail, for error messages. */
  stderrTail(): string;
}

export interface SpawnNodeOptions {
  readonly id: string;
  /** Absolute path of a .ts node script; runs through tsx so it can import built workspace packages. */
  readonly script: string;
  readonly args: readonly string[];
  readonly onEvent?: (event: NodeEvent) => void;
  readonly nodeFlags?: readonly string[];
}

/** Extra Node flags for every node process, e.g. BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof". */
const extraFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);

export function spawnNode(options: SpawnNodeOptions): NodeProcess {
  const events: NodeEvent[] = [];
  const child = spawnScript({
    script: options.script,
    args: options.args,
    nodeFlags: [...(options.nodeFlags ?? []), ...extraFlags],
    stdin: true,
    onJson(value) {
      const event = value as unknown as NodeEvent;
      events.push(event);
      options.onEvent?.(event);
    },
  });
  return {
    id: options.id,
    pid: child.pid,
    events,
    exited: child.exited,
    get alive() {
      return child.alive;
    },
    signal(signal) {
      const at = sharedNow();
      child.signal(signal);
      return at;
    },
    waitForEvent(predicate, timeoutMs, from = 0) {
      return waitFor(
        `${options.id}: event`,
        () => {
          for (let i = from; i < events.length; i++) {
            const event = events[i] as NodeEvent;
            if (predicate(event)) return event;
          }
          // Checked after the scan: a node may print what we wait for and exit right after.
          if (!child.alive)
            throw new Error(`${options.id} exited before the awaited event: ${child.stderrTail()}`);
          return undefined;
        },
        timeoutMs,
        5,
      );
    },
    send: (command) => child.send(command),
    stderrTail: () => child.stderrTail(),
  };
}
