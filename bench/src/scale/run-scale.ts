import { fileURLToPath } from 'node:url';
import { startEtcd } from '@election/tools';
import type { NodeEvent } from '../nodes/report.js';
import { type NodeProcess, spawnNode } from '../util/node-process.js';
import { type Summary, summarize } from '../util/stats.js';
import { waitFor } from '../util/wait-for.js';
import { memberId } from './member-id.js';

const WORKER = fileURLToPath(new URL('./scale-worker.ts', import.meta.url));
export const SCALE_TTL_SECONDS = 5;
/** Processes that share the members beyond the singletons (the crash victims). */
const BIG_WORKERS = 3;

export interface ScaleOptions {
  readonly members: number;
  readonly crashRounds: number;
  readonly gracefulRounds: number;
}

export interface ScaleResult {
  readonly members: number;
  readonly processes: number;
  /** Time from the first worker start until all members agree on the first leader, ms. */
  readonly startupMs: number;
  /** Leader's process SIGKILLed → every remaining member names the new leader, ms. */
  readonly crash: Summary;
  /** Leader stops with resign → every remaining member names the new leader, ms. */
  readonly graceful: Summary;
  readonly rssBytesPerMember: number;
  readonly heapBytesPerMember: number;
}

/**
 * `members` electors on one etcd (TTL 5 s), each with its own lease: the first `crashRounds` ids
 * (which lead in turn) run alone in their own process so SIGKILL hits exactly the leader, the rest
 * share a few worker processes.
 */
export async function runScale(options: ScaleOptions, log: (line: string) => void): Promise<ScaleResult> {
  const etcd = await startEtcd();
  const endpoint = etcd.endpoints[0] as string;
  const workers: NodeProcess[] = [];
  const spawnWorker = (name: string, from: number, count: number) => {
    const worker = spawnNode({
      id: name,
      onEvent: (event) => {
        if (event.type === 'progress') log(`scale: ${name} joined ${event.joined}`);
      },
      script: WORKER,
      nodeFlags: ['--expose-gc', '--max-old-space-size=2048'],
      args: [
        '--name',
        name,
        '--endpoint',
        endpoint,
        '--election',
        'scale',
        '--ttl',
        String(SCALE_TTL_SECONDS),
        '--from',
        String(from),
        '--count',
        String(count),
        '--total',
        String(options.members),
      ],
    });
    workers.push(worker);
    return worker;
  };
  try {
    const started = performance.timeOrigin + performance.now();
    const singletons = Array.from({ length: options.crashRounds }, (_, i) => spawnWorker(`solo-${i}`, i, 1));
    const rest = options.members - options.crashRounds;
    const big: NodeProcess[] = [];
    for (let w = 0; w < BIG_WORKERS; w++) {
      const from = options.crashRounds + Math.floor((rest * w) / BIG_WORKERS);
      const to = options.crashRounds + Math.floor((rest * (w + 1)) / BIG_WORKERS);
      big.push(spawnWorker(`worker-${w}`, from, to - from));
    }
    await Promise.all(workers.map((worker) => worker.waitForEvent((e) => e.type === 'ready', 600_000)));
    const first = await allAgree(workers, memberId(0), 0, 60_000);
    const startupMs = first - started;
    log(`scale: ${options.members} members agree on ${memberId(0)} after ${Math.round(startupMs)} ms`);

    const memory = await Promise.all(
      big.map((worker) => {
        const mark = worker.events.length;
        worker.send({ cmd: 'memory' });
        return worker.waitForEvent((e) => e.type === 'memory', 30_000, mark);
      }),
    );
    const bigMembers = memory.reduce((sum, event) => sum + Number(event.members), 0);
    const rssBytesPerMember = memory.reduce((sum, event) => sum + Number(event.rssDelta), 0) / bigMembers;
    const heapBytesPerMember = memory.reduce((sum, event) => sum + Number(event.heapDelta), 0) / bigMembers;

    const crash: number[] = [];
    for (let round = 0; round < options.crashRounds; round++) {
      const victim = singletons[round] as NodeProcess;
      const faultAt = victim.signal('SIGKILL');
      await victim.exited;
      const agreed = await allAgree(alive(workers), memberId(round + 1), faultAt, 30_000);
      crash.push(agreed - faultAt);
      log(
        `scale: crash ${round + 1}/${options.crashRounds}: all agree after ${Math.round(agreed - faultAt)} ms`,
      );
    }

    const graceful: number[] = [];
    for (let round = 0; round < options.gracefulRounds; round++) {
      const index = options.crashRounds + round;
      const host = big.find((worker) =>
        worker.events.some((e) => e.type === 'ready' && ownsMember(worker, index)),
      );
      if (host === undefined) throw new Error(`no worker hosts ${memberId(index)}`);
      const mark = host.events.length;
      host.send({ cmd: 'stop', id: memberId(index) });
      const stopping = await host.waitForEvent((e) => e.type === 'stopping', 10_000, mark);
      const agreed = await allAgree(alive(workers), memberId(index + 1), stopping.t, 30_000);
      graceful.push(agreed - stopping.t);
    }
    log(`scale: graceful median ${Math.round(summarize(graceful).median)} ms over ${graceful.length} rounds`);
    return {
      members: options.members,
      processes: workers.length,
      startupMs,
      crash: summarize(crash),
      graceful: summarize(graceful),
      rssBytesPerMember,
      heapBytesPerMember,
    };
  } finally {
    // Ask first (a profiler or pending output gets flushed), then make sure.
    for (const worker of alive(workers)) worker.send({ cmd: 'exit' });
    const force = setTimeout(() => {
      for (const worker of alive(workers)) worker.signal('SIGKILL');
    }, 3000);
    await Promise.all(workers.map((worker) => worker.exited));
    clearTimeout(force);
    await etcd.stop();
  }
}

function alive(workers: readonly NodeProcess[]): NodeProcess[] {
  return workers.filter((worker) => worker.alive);
}

const ranges = new WeakMap<NodeProcess, { from: number; count: number }>();

function ownsMember(worker: NodeProcess, index: number): boolean {
  let range = ranges.get(worker);
  if (range === undefined) {
    const ready = worker.events.find((e) => e.type === 'ready') as NodeEvent;
    range = { from: Number(ready.from), count: Number(ready.members) };
    ranges.set(worker, range);
  }
  return index >= range.from && index < range.from + range.count;
}

/** Waits until every worker reported agreement on `leaderId` after `after`; returns the latest such time. */
async function allAgree(
  workers: readonly NodeProcess[],
  leaderId: string,
  after: number,
  timeoutMs: number,
): Promise<number> {
  return waitFor(
    `all ${workers.length} workers to agree on ${leaderId}`,
    () => {
      let latest = 0;
      for (const worker of workers) {
        const agreed = worker.events.findLast((e) => e.type === 'agree' && e.t >= after);
        if (agreed?.leaderId !== leaderId) return undefined;
        latest = Math.max(latest, agreed.t);
      }
      return latest;
    },
    timeoutMs,
    20,
  );
}
