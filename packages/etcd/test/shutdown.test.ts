import { fileURLToPath } from 'node:url';
import { LifecycleError } from '@election/core';
import { waitFor } from '@election/testing';
import { type EtcdServer, spawnScript } from '@election/tools';
import { Etcd3 } from 'etcd3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEtcdMembership } from '../src/index.js';
import { useEtcd } from './support/etcd-suite.js';
import { joinAs, uniquePrefix } from './support/session-helpers.js';

let etcd: EtcdServer;
useEtcd((server) => {
  etcd = server;
});
afterEach(() => {
  vi.restoreAllMocks();
});

const epochNow = () => performance.timeOrigin + performance.now();
const readme = fileURLToPath(new URL('./support/readme-process.ts', import.meta.url));
const tsconfig = fileURLToPath(new URL('./support/tsconfig.child.json', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

describe('a process that follows the README', () => {
  it('exits by itself within 1 s of stop() resolving after SIGTERM', async () => {
    const lines: string[] = [];
    let stoppedAt: number | undefined;
    const child = spawnScript({
      script: readme,
      cwd: repoRoot,
      env: {
        ...process.env,
        TSX_TSCONFIG_PATH: tsconfig,
        ETCD_ENDPOINTS: etcd.endpoints.join(','),
        NODE_ID: 'node-1',
      },
      onText: (line) => lines.push(line),
      onJson: (record) => {
        if (typeof record.stoppedAt === 'number') stoppedAt = record.stoppedAt;
      },
    });
    let exitedAt: number | undefined;
    child.child.once('exit', () => {
      exitedAt = epochNow();
    });
    try {
      await waitFor(() => lines.some((line) => line.startsWith('leading, fencing token')) || !child.alive, {
        timeoutMs: 15_000,
        message: 'the README node to lead',
        describe: () => `stdout=${JSON.stringify(lines)} stderr=${child.stderrTail()}`,
      });
      expect(child.alive).toBe(true);
      child.signal('SIGTERM');
      await waitFor(() => exitedAt !== undefined, {
        timeoutMs: 10_000,
        message: 'the README node to exit by itself after SIGTERM',
        describe: () => `stoppedAt=${stoppedAt} stdout=${JSON.stringify(lines)} stderr=${child.stderrTail()}`,
      });
      expect(stoppedAt).toBeDefined();
      const exitMs = Math.round(exitedAt! - stoppedAt!);
      console.log(`README process: exited ${exitMs} ms after elector.stop() resolved`);
      expect(exitMs).toBeLessThanOrEqual(1000);
      // It ended on its own (no signal killed it) and cleanly.
      expect(child.child.signalCode).toBeNull();
      expect(child.child.exitCode).toBe(0);
    } finally {
      await child.dispose();
    }
  }, 30_000);
});

describe('the client the backend creates', () => {
  it('opens on first use, closes when the last use ends, and opens again for a later join', async () => {
    const close = vi.spyOn(Etcd3.prototype, 'close');
    const membership = createEtcdMembership({ ...etcd.clientOptions, prefix: uniquePrefix('retain') });
    expect(membership.endpoint).toBe(etcd.endpoints.join(','));
    const release = membership.retain();
    const session = await joinAs(membership, { id: 'a' });
    await session.leave();
    expect(close).not.toHaveBeenCalled(); // still retained
    release();
    expect(close).toHaveBeenCalledTimes(1);
    release(); // ending a use twice changes nothing
    expect(close).toHaveBeenCalledTimes(1);

    // No retain: the join's session keeps a new client open until it ends.
    const again = await joinAs(membership, { id: 'a' });
    expect(close).toHaveBeenCalledTimes(1);
    again.close();
    expect(close).toHaveBeenCalledTimes(2);

    await membership.close();
    await expect(joinAs(membership, { id: 'a' })).rejects.toBeInstanceOf(LifecycleError);
    membership.retain()(); // a no-op after close
    expect(close).toHaveBeenCalledTimes(2);
  });

  it('stays open while two electors share the backend, until both have ended their use', async () => {
    const close = vi.spyOn(Etcd3.prototype, 'close');
    const membership = createEtcdMembership({ ...etcd.clientOptions, prefix: uniquePrefix('shared-use') });
    const releaseA = membership.retain();
    const releaseB = membership.retain();
    const a = await joinAs(membership, { id: 'a' });
    const b = await joinAs(membership, { id: 'b' });
    await a.leave();
    releaseA();
    expect(close).not.toHaveBeenCalled();
    expect(b.deadline()).toBeGreaterThan(epochNow());
    await b.leave();
    releaseB();
    expect(close).toHaveBeenCalledTimes(1);
    await membership.close();
  });

  it('never closes a caller-provided client', async () => {
    const client = new Etcd3({ hosts: etcd.endpoints });
    const close = vi.spyOn(client, 'close');
    const prefix = uniquePrefix('caller-client');
    const membership = createEtcdMembership({ client, prefix });
    expect(membership.endpoint).toBe('a caller-provided Etcd3 client');
    const release = membership.retain();
    await (await joinAs(membership, { id: 'a' })).leave();
    release();
    await membership.close();
    expect(close).not.toHaveBeenCalled();
    await client.put(`${prefix}/still-usable`).value('yes');
    expect(await client.get(`${prefix}/still-usable`).string()).toBe('yes');
    client.close();
  });
});
