import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type EtcdServer, findOnPath, startEtcd } from '@election/tools';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CLI,
  getText,
  killLeftovers,
  listenUrl,
  requireBuilt,
  type Spawned,
  spawnCli,
  terminateCleanly,
  waitFor,
} from './helpers.js';

const run = promisify(execFile);
const etcdBinary = findOnPath('etcd');
const etcdctl = findOnPath('etcdctl');
let etcd: EtcdServer | undefined;
const spawned: Spawned[] = [];

/** Every key of one election, read with etcdctl (a different client than the node's own). */
async function keysOf(election: string): Promise<string[]> {
  const { stdout } = await run(
    etcdctl ?? 'etcdctl',
    [`--endpoints=${etcd?.endpoints[0]}`, 'get', '--prefix', '--keys-only', `election/${election}/`],
    { env: { ...process.env, ETCDCTL_API: '3' } },
  );
  return stdout.split('\n').filter((line) => line.trim() !== '');
}

/** A node on the test's etcd, in `election`, with a 10 s TTL (a handover must not be an expiry). */
function nodeArgs(id: string, election: string): string[] {
  return [
    '--id',
    id,
    '--backend',
    'etcd',
    '--etcd',
    etcd?.endpoints[0] ?? '',
    '--election',
    election,
    '--ttl',
    '10',
  ];
}

// etcd is part of the dev setup (scripts/ensure-etcd.mjs); without it these cases say why they skip.
describe.skipIf(!etcdBinary || !etcdctl)(
  'election-node on etcd (spawned, throwaway etcd on loopback)',
  () => {
    beforeAll(async () => {
      requireBuilt(CLI);
      etcd = await startEtcd({ binary: etcdBinary ?? 'etcd' });
    }, 30_000);
    afterEach(() => killLeftovers(spawned));
    afterAll(async () => etcd?.stop());

    it('leads in confirmed mode with a decimal term, and on SIGTERM removes its keys and exits 0 within 2 s', async () => {
      const node = spawnCli([
        '--id',
        'a',
        '--backend',
        'etcd',
        '--etcd',
        etcd?.endpoints[0] ?? '',
        '--election',
        'sigterm',
        '--ttl',
        '5',
      ]);
      spawned.push(node);
      const url = await listenUrl(node);
      const status = await waitFor('a to lead', async () => {
        const body = JSON.parse((await getText(`${url}/status`)).body) as {
          isLeader: boolean;
          term: unknown;
        };
        return body.isLeader ? body : undefined;
      });
      expect(status).toMatchObject({
        id: 'a',
        leaderId: 'a',
        backend: 'etcd',
        phase: 'leader',
        members: ['a'],
      });
      expect(status.term).toMatch(/^[1-9]\d*$/);
      expect((await getText(`${url}/metrics`)).body).toMatch(
        new RegExp(`^election_term\\{election="sigterm"\\} ${status.term}$`, 'm'),
      );
      expect(await keysOf('sigterm')).toEqual(['election/sigterm/leader', 'election/sigterm/members/a']);
      const changed = node.logs.find((line) => line.event === 'leader-changed');
      expect(changed).toMatchObject({ leaderId: 'a', term: status.term, reason: 'elected' });

      // Ends by itself (exit 0, no watchdog): every gRPC channel and socket closed by "stopped".
      const { afterSignalMs, afterStoppedMs } = await terminateCleanly(node);
      console.log(
        `etcd CLI: exit ${afterSignalMs.toFixed(0)} ms after SIGTERM, ${afterStoppedMs.toFixed(0)} ms after "stopped"`,
      );
      expect(afterSignalMs).toBeLessThan(2000);
      expect(afterStoppedMs).toBeLessThan(1000);
      // Gone at once, not after the 5 s TTL: the node revoked its lease when it left.
      expect(await keysOf('sigterm')).toEqual([]);
    });

    it('hands over to the next node as soon as the leader is stopped', async () => {
      const args = (id: string) => nodeArgs(id, 'handover');
      const a = spawnCli(args('a'));
      const b = spawnCli(args('b'));
      spawned.push(a, b);
      const bUrl = await listenUrl(b);
      const statusOfB = async () =>
        JSON.parse((await getText(`${bUrl}/status`)).body) as Record<string, unknown>;
      const before = await waitFor('b to follow a', async () => {
        const status = await statusOfB();
        return status.leaderId === 'a' ? status : undefined;
      });
      const stoppedAt = performance.now();
      await terminateCleanly(a);
      const after = await waitFor('b to lead', async () => {
        const status = await statusOfB();
        return status.isLeader ? status : undefined;
      });
      // Well inside the 10 s TTL: the handover came from the leave, not from an expiry.
      expect(performance.now() - stoppedAt).toBeLessThan(5000);
      expect(BigInt(after.term as string)).toBeGreaterThan(BigInt(before.term as string));
      await terminateCleanly(b);
    });

    it('SIGUSR2 drains the leader (setPriority): b leads at once, a stays a member; SIGHUP gives a its rank back', async () => {
      const args = (id: string) => nodeArgs(id, 'drain');
      const a = spawnCli(args('a'));
      const b = spawnCli(args('b'));
      spawned.push(a, b);
      const [aUrl, bUrl] = [await listenUrl(a), await listenUrl(b)];
      const statusOf = async (url: string) =>
        JSON.parse((await getText(`${url}/status`)).body) as Record<string, unknown>;
      const before = await waitFor('b to follow a', async () => {
        const status = await statusOf(bUrl);
        return status.leaderId === 'a' ? status : undefined;
      });
      const drainedAt = performance.now();
      a.child.kill('SIGUSR2');
      const after = await waitFor('b to lead', async () => {
        const status = await statusOf(bUrl);
        return status.isLeader ? status : undefined;
      });
      // Well inside the 10 s TTL, and a never left: a handover, not an expiry or a leave.
      expect(performance.now() - drainedAt).toBeLessThan(2000);
      expect(BigInt(after.term as string)).toBeGreaterThan(BigInt(before.term as string));
      expect(after.members).toEqual(['b', 'a']);
      expect(await statusOf(aUrl)).toMatchObject({ phase: 'follower', leaderId: 'b' });
      expect(await keysOf('drain')).toEqual([
        'election/drain/leader',
        'election/drain/members/a',
        'election/drain/members/b',
      ]);
      a.child.kill('SIGHUP');
      await waitFor('a to lead again', async () => ((await statusOf(aUrl)).isLeader ? true : undefined));
      await terminateCleanly(a);
      await terminateCleanly(b);
    });
  },
);
