/**
 * One process of simulated members for the scale benchmark: `--count` electors, each with its own
 * etcd lease, sharing one etcd client. Prints `agree` whenever all of its electors name the same new
 * leader, `memory` on request; stdin takes {"cmd":"stop","id":…} (graceful leave) and {"cmd":"memory"}.
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createElector, DuplicateMemberError, type Elector } from '@election/core';
import { createEtcdMembership } from '@election/etcd';
import { Etcd3 } from 'etcd3';
import { describeError, report } from '../nodes/report.js';
import { AgreementTracker } from './agreement.js';
import { EventLoopLag } from './event-loop-lag.js';
import { memberId } from './member-id.js';
import { probeViewSizes } from './view-size-probe.js';

const { values } = parseArgs({
  options: {
    name: { type: 'string' },
    endpoint: { type: 'string' },
    election: { type: 'string' },
    ttl: { type: 'string' },
    from: { type: 'string' },
    count: { type: 'string' },
    total: { type: 'string' },
    concurrency: { type: 'string', default: '8' },
  },
});
const name = values.name ?? 'worker';
/** Joins pause while timers run later than this: renewals (every TTL/3) must keep their slot. */
const MAX_JOIN_LAG_MS = 150;
/** After the last join, how long the views may take to show every member before the run gives up. */
const SETTLE_TIMEOUT_MS = 240_000;
const emit = (type: string, fields?: Record<string, unknown>) => report(name, type, fields);
const from = Number(values.from);
const count = Number(values.count);
const client = new Etcd3({ hosts: values.endpoint as string });
// A generous request timeout: during the join storm a loaded 2-CPU machine answers slowly, and a
// join that times out after etcd committed it only turns into a retry and a stray lease.
const probe = probeViewSizes(
  createEtcdMembership({ client, election: values.election as string, requestTimeoutMs: 10_000 }),
);
const membership = probe.backend;
let joined = 0;
const total = Number(values.total ?? values.count);
const electors = new Map<string, { elector: Elector; unsubscribe: () => void }>();
const tracker = new AgreementTracker((leaderId) => emit('agree', { leaderId }));

function measureMemory(): { rss: number; heapUsed: number } {
  globalThis.gc?.();
  const usage = process.memoryUsage();
  return { rss: usage.rss, heapUsed: usage.heapUsed };
}

let duplicateRetries = 0;

async function join(id: string): Promise<void> {
  for (;;) {
    const elector = createElector({ id, membership, mode: 'confirmed', ttlMs: Number(values.ttl) * 1000 });
    try {
      await elector.start();
      electors.set(id, { elector, unsubscribe: () => {} });
      joined += 1;
      if (joined % 100 === 0) emit('progress', { joined });
      return;
    } catch (error) {
      // Under a join storm a join can time out after etcd committed it; the retry then finds that
      // registration and calls it a duplicate until it is revoked or expires. Count it, try again.
      if (!(error instanceof DuplicateMemberError)) throw error;
      duplicateRetries += 1;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

/**
 * Listeners go on once every view is complete, so the agreement tracker starts from the settled
 * cluster; the start-up itself is only reported, not what this run measures.
 */
function listen(id: string, elector: Elector): void {
  const offLeader = elector.on('leader', (event) => tracker.set(id, event.leaderId));
  const offError = elector.on('error', (event) =>
    emit('error', { member: id, message: event.error.message }),
  );
  electors.set(id, {
    elector,
    unsubscribe: () => {
      offLeader();
      offError();
    },
  });
  tracker.set(id, elector.state.leaderId);
}

async function stop(id: string): Promise<void> {
  const entry = electors.get(id);
  if (entry === undefined) throw new Error(`${name} has no member ${id}`);
  emit('stopping', { member: id });
  // A leaving member no longer counts towards agreement, and must not vote "no leader" as it goes.
  entry.unsubscribe();
  electors.delete(id);
  tracker.remove(id);
  await entry.elector.stop({ resign: true });
  emit('stopped', { member: id });
}

const baseline = measureMemory();
const ids = Array.from({ length: count }, (_, i) => memberId(from + i));
const queue = [...ids];
const lag = new EventLoopLag();
await Promise.all(
  Array.from({ length: Math.min(count, Number(values.concurrency)) }, async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      while (lag.current > MAX_JOIN_LAG_MS) await new Promise((resolve) => setTimeout(resolve, 100));
      await join(id);
    }
  }),
);
lag.stop();
// The watches lag the joins: wait until every member here sees all `total` members.
const joinedAt = performance.now();
while (probe.countSeeing(total) < count) {
  if (performance.now() - joinedAt > SETTLE_TIMEOUT_MS)
    throw new Error(`${name}: views never reached ${total} members`);
  await new Promise((resolve) => setTimeout(resolve, 100));
}
for (const [id, { elector }] of electors) listen(id, elector);
tracker.seal();
emit('ready', { members: count, from, baseline, duplicateRetries, rejoins: probe.sessionsOpened() - count });

createInterface({ input: process.stdin }).on('line', (line) => {
  const command = JSON.parse(line) as { cmd: string; id?: string };
  if (command.cmd === 'stop' && command.id !== undefined) {
    stop(command.id).catch((error: unknown) =>
      emit('error', { where: 'stop', message: describeError(error) }),
    );
  } else if (command.cmd === 'exit') {
    process.exit(0);
  } else if (command.cmd === 'memory') {
    const now = measureMemory();
    emit('memory', {
      members: electors.size,
      rssDelta: now.rss - baseline.rss,
      heapDelta: now.heapUsed - baseline.heapUsed,
    });
  }
});
