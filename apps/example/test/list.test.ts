import { type EtcdServer, findOnPath, freePorts, startEtcd } from '@election/tools';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CLI,
  getText,
  killLeftovers,
  listenUrl,
  requireBuilt,
  type Spawned,
  spawnCli,
  waitFor,
} from './helpers.js';

const etcdBinary = findOnPath('etcd');
let etcd: EtcdServer | undefined;
const spawned: Spawned[] = [];

describe.skipIf(!etcdBinary)(
  etcdBinary
    ? 'election-node list on etcd (throwaway etcd on loopback)'
    : 'election-node list on etcd: SKIPPED, no etcd on PATH',
  () => {
    beforeAll(async () => {
      requireBuilt(CLI);
      etcd = await startEtcd({ binary: etcdBinary ?? 'etcd' });
    }, 30_000);
    afterEach(() => killLeftovers(spawned));
    afterAll(async () => etcd?.stop());

    it('prints every member with role, term, lease left and reason, from the backend, and leaves no trace', async () => {
      const endpoint = etcd?.endpoints[0] ?? '';
      const flags = ['--backend', 'etcd', '--etcd', endpoint, '--election', 'listed', '--ttl', '3'];
      const urls: string[] = [];
      for (const id of ['node-a', 'node-b']) {
        const node = spawnCli(['--id', id, ...flags]);
        spawned.push(node);
        urls.push(await listenUrl(node));
      }
      await waitFor('node-b to see node-a lead', async () => {
        const body = JSON.parse((await getText(`${urls[1]}/status`)).body) as {
          leaderId: string | null;
          members: string[];
        };
        return body.leaderId === 'node-a' && body.members.length === 2 ? body : undefined;
      });

      const list = spawnCli(['list', '--backend', 'etcd', '--etcd', endpoint, '--election', 'listed']);
      spawned.push(list);
      const { code } = await list.exited;
      const out = list.stdout();
      console.log(`election-node list:\n${out}`);
      expect(code).toBe(0);
      const lines = out.trimEnd().split('\n');
      expect(lines[0]).toMatch(
        new RegExp(
          `^Election "listed" on etcd at ${endpoint.replace(/[.]/g, '\\.')}: leader node-a, term \\d+$`,
        ),
      );
      expect(lines[1]).toMatch(/^Member +\| Role +\| Term +\| Lease left +\| Why$/);
      expect(lines[3]).toMatch(/^node-a +\| leader +\| \d+ +\| \d\.\d s +\| Leading, term \d+\.$/);
      expect(lines[4]).toMatch(
        /^node-b +\| follower +\| \d+ +\| +\| Outranked by node-a: its id sorts first \(UTF-8 byte order\)\.$/,
      );
      expect(lines).toHaveLength(5); // the lister itself is not listed

      // The lister left: the nodes see two members again, and nobody saw a leader change.
      await waitFor('the lister to be gone', async () => {
        const body = JSON.parse((await getText(`${urls[0]}/status`)).body) as { members: string[] };
        return body.members.length === 2 ? body : undefined;
      });
      const cluster = JSON.parse((await getText(`${urls[0]}/cluster`)).body) as {
        members: Array<{ id: string; present: boolean }>;
      };
      // Not even as "gone": an observer that came and went is not kept.
      expect(cluster.members.map((m) => m.id)).toEqual(['node-a', 'node-b']);
    }, 30_000);
  },
);

describe('election-node list on static peers', () => {
  afterEach(() => killLeftovers(spawned));

  it('asks each peer for its status, and says why one has none', async () => {
    requireBuilt(CLI);
    const ports = await freePorts(2);
    const [urlA, urlB] = ports.map((port) => `http://127.0.0.1:${port}`);
    const peers = `node-a=${urlA},node-b=${urlB}`;
    const a = spawnCli(['--id', 'node-a', '--listen', `127.0.0.1:${ports[0]}`, '--peers', peers]);
    spawned.push(a);
    await listenUrl(a);
    await waitFor('node-a to lead', async () => {
      const body = JSON.parse((await getText(`${urlA}/status`)).body) as { isLeader: boolean };
      return body.isLeader ? body : undefined;
    });
    // node-b is listed but not running.
    const list = spawnCli(['list', '--peers', peers]);
    spawned.push(list);
    const { code } = await list.exited;
    const lines = list.stdout().trimEnd().split('\n');
    expect(code).toBe(0);
    expect(lines[0]).toBe('Election on 2 static peers: leader node-a');
    expect(lines[3]).toMatch(/^node-a +\| leader +\| +\| +\| Leading \(view mode, no fencing token\)\.$/);
    expect(lines[4]).toMatch(/^node-b +\| member +\| +\| +\| No status: unreachable \(ECONNREFUSED\)\.$/);
  }, 30_000);
});
