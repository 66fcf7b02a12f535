import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import type { NodeEvent } from '../nodes/report.js';
import { sharedNow } from './clock.js';
import { waitFor } from './wait-for.js';

const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

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
  const child: ChildProcess = spawn(
    process.execPath,
    [...(options.nodeFlags ?? []), ...extraFlags, '--import', tsxLoader, options.script, ...options.args],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const events: NodeEvent[] = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (line) => {
    if (!line.startsWith('{')) return;
    try {
      const event = JSON.parse(line) as NodeEvent;
      events.push(event);
      options.onEvent?.(event);
    } catch {
      // A partial line from a process killed mid-write: nothing to record.
    }
  });
  let alive = true;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      alive = false;
      resolve();
    }),
  );
  return {
    id: options.id,
    pid: child.pid ?? -1,
    events,
    exited,
    get alive() {
      return alive;
    },
    signal(signal) {
      const at = sharedNow();
      if (alive) child.kill(signal);
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
          if (!alive) throw new Error(`${options.id} exited before the awaited event: ${stderr}`);
          return undefined;
        },
        timeoutMs,
        5,
      );
    },
    send(command) {
      child.stdin?.write(`${JSON.stringify(command)}\n`);
    },
    stderrTail: () => stderr,
  };
}
