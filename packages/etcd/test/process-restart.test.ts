import { waitFor } from '@election/testing';
import type { EtcdServer } from '@election/tools';
import { afterEach, describe, expect, it } from 'vitest';
import { ChildNode, type ChildNodeOptions } from './support/child-node.js';
import { TestCluster, TTL_MS } from './support/cluster.js';
import { useEtcd } from './support/etcd-suite.js';
import { uniquePrefix } from './support/session-helpers.js';

/** Node processes killed and restarted under the same id, on a real etcd. */
let etcd: EtcdServer;
const children: ChildNode[] = [];
let cluster: TestCluster | undefined;

useEtcd((server) => {
  etcd = server;
});

afterEach(async () => {
  await Promise.all(children.splice(0).map((child) => child.dispose()));
  await cluster?.teardown();
  if (cluster) expect(cluster.monitor.violations).toEqual([]);
  cluster = undefined;
});

const epochNow = () => performance.timeOrigin + performance.now();
/** The scenario's own pause (a restart 100 ms after the crash), not a wait for a condition. */
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function spawnNode(prefix: string, options: Partial<ChildNodeOptions> & { id: string }): ChildNode {
  const child = new ChildNode({ endpoints: etcd.endpoints, prefix, ttlMs: TTL_MS, log: true, ...options });
  children.push(child);
  return child;
}

/** Waits for `type`, failing at once with the child's own words if its start failed. */
async function expectRecord(child: ChildNode, type: string, timeoutMs: number) {
  await waitFor(
    () => child.last(type) !== undefined || child.last('start-failed') !== undefined || !child.alive,
    {
      timeoutMs,
      stepMs: 5,
      message: `child ${child.pid} to report "${type}"`,
      describe: () => JSON.stringify(child.records.filter((record) => record.type !== 'tick')),
    },
  );
  expect(child.last('start-failed')).toBeUndefined();
  expect(child.alive).toBe(true);
  return child.last(type)!;
}

const logLines = (child: ChildNode, pattern: RegExp) =>
  child.all('log').filter((record) => pattern.test(record.msg ?? ''));

describe('a node restarted under the same id (TTL 2 s)', () => {
  it('SIGKILLed leader restarted 100 ms later stays up and leads again within TTL + 3 s', async () => {
    const c = new TestCluster(etcd, 'same-id-restart');
    cluster = c;
    const first = spawnNode(c.prefix, { id: 'a' });
    await expectRecord(first, 'elected', 15_000);
    const b = await c.start('b');
    await waitFor(() => b.state.leaderId === 'a' && !b.state.isLeader, {
      timeoutMs: 1000,
      message: 'b to follow a',
    });

    // The restart is loaded beforehand and starts 100 ms after the kill: a loaded machine can take
    // over a TTL to load a process, and then the dead registration it must wait out is gone already.
    const second = spawnNode(c.prefix, { id: 'a', holdStart: true });
    await second.waitFor('held', 15_000);
    first.signal('SIGKILL');
    const killedAt = epochNow();
    await first.exited;
    await pause(100);
    second.release();
    const elected = await expectRecord(second, 'elected', TTL_MS + 5000);
    const tookMs = Math.round(elected.at - killedAt);
    console.log(
      `same-id restart: the restarted leader led again ${tookMs} ms after SIGKILL (TTL ${TTL_MS} ms)`,
    );
    expect(tookMs).toBeLessThanOrEqual(TTL_MS + 3000);
    // It waited out its own dead registration, said so once, and nothing worse.
    expect(
      logLines(second, /^waiting up to \d+ ms for the previous registration of a to expire$/),
    ).toHaveLength(1);
    expect(second.all('log').filter((record) => record.level !== 'info')).toEqual([]);
    await waitFor(() => b.state.leaderId === 'a' && !b.state.isLeader, {
      timeoutMs: 1000,
      message: 'b to follow the restarted a',
    });
  }, 30_000);

  it('a second live process with the holder’s id is refused; the holder keeps leading', async () => {
    const prefix = uniquePrefix('same-id-live');
    const holder = spawnNode(prefix, { id: 'a' });
    await expectRecord(holder, 'elected', 15_000);
    const intruder = spawnNode(prefix, { id: 'a' });
    await intruder.waitFor('start-failed', TTL_MS + 8000);
    await intruder.exited;
    const failed = intruder.last('start-failed')!;
    expect(failed.code).toBe('DUPLICATE_MEMBER');
    expect(failed.message).toMatch(/already registered .* by another live node .* was renewed/);
    expect(intruder.exitCode).toBe(1);
    const waited = intruder.last('starting') ? Math.round(failed.at - intruder.last('starting')!.at) : -1;
    console.log(`same-id duplicate: the second process was refused after ${waited} ms`);
    // The holder never stopped leading, and keeps renewing after the refusal.
    expect(holder.all('elected')).toHaveLength(1);
    expect(holder.all('demoted')).toEqual([]);
    const deadlineAtRefusal = holder.last('tick')!.leaseDeadline!;
    await waitFor(() => (holder.last('tick')?.leaseDeadline ?? 0) > deadlineAtRefusal, {
      timeoutMs: TTL_MS,
      message: 'the holder to renew after the refusal',
    });
    expect(holder.last('tick')!.isLeader).toBe(true);
  }, 30_000);

  it('takeover: true joins at once after a SIGKILL, well under the TTL (10 s here)', async () => {
    const prefix = uniquePrefix('same-id-takeover');
    const ttlMs = 10_000;
    const first = spawnNode(prefix, { id: 'a', ttlMs });
    await expectRecord(first, 'elected', 15_000);
    // Loaded beforehand, started 100 ms after the kill (as above): the bound is on the elector's
    // takeover, not on how long a loaded machine takes to load a process.
    const second = spawnNode(prefix, { id: 'a', ttlMs, takeover: true, holdStart: true });
    await second.waitFor('held', 15_000);
    first.signal('SIGKILL');
    const killedAt = epochNow();
    await first.exited;
    await pause(100);
    second.release();
    const started = await expectRecord(second, 'started', 10_000);
    const joinMs = Math.round(started.at - second.last('starting')!.at);
    const elected = await expectRecord(second, 'elected', 2000);
    const leadMs = Math.round(elected.at - killedAt);
    console.log(
      `takeover: start() joined in ${joinMs} ms; led again ${leadMs} ms after SIGKILL (TTL ${ttlMs} ms, started 100 ms after the kill)`,
    );
    expect(joinMs).toBeLessThan(1000);
    expect(leadMs).toBeLessThan(ttlMs / 2);
    expect(logLines(second, /^takeover: revoking the previous registration of a/)).toHaveLength(1);
    expect(logLines(second, /^waiting up to/)).toEqual([]);
  }, 30_000);
});
