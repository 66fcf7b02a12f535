import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ClusterView } from '@election/http';
import {
  type EtcdServer,
  findOnPath,
  freePorts,
  startEtcd,
  startTcpRelay,
  type TcpRelay,
} from '@election/tools';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { executablePath, launchBrowser } from '../../../packages/http/test/browser.js';
import {
  CLI,
  etcdNodeArgs,
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
const relays: TcpRelay[] = [];

/** Every key of one election, read with etcdctl (a different client than the node's own). */
async function keysOf(election: string): Promise<string[]> {
  const { stdout } = await run(
    etcdctl ?? 'etcdctl',
    [`--endpoints=${etcd?.endpoints[0]}`, 'get', '--prefix', '--keys-only', `election/${election}/`],
    { env: { ...process.env, ETCDCTL_API: '3' } },
  );
  return stdout.split('\n').filter((line) => line.trim() !== '');
}

// etcd is part of the dev setup (scripts/ensure-etcd.mjs); without it these cases say why they skip.
describe.skipIf(!etcdBinary || !etcdctl)(
  'election-node on etcd (spawned, throwaway etcd on loopback)',
  () => {
    beforeAll(async () => {
      requireBuilt(CLI);
      etcd = await startEtcd({ binary: etcdBinary ?? 'etcd' });
    }, 30_000);
    afterEach(async () => {
      killLeftovers(spawned);
      await Promise.all(relays.splice(0).map((relay) => relay.close()));
    });
    afterAll(async () => etcd?.stop());

    it('leads in confirmed mode with a decimal term, and on SIGTERM removes its keys and exits 0 within 2 s', async () => {
      const node = spawnCli(etcdNodeArgs('a', etcd?.endpoints[0] ?? '', 'sigterm', 5));
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
    }, 30_000); // a node start and three etcdctl runs: under load more than the 5 s default (its own 2 s / 1 s exit bounds unchanged)

    it.skipIf(!executablePath)(
      "publishes --advertise-url in its member metadata; another node's /cluster and page list it there",
      async () => {
        const [port] = await freePorts(1);
        // node-a's other address: a relay on its own port, so the published URL is not the bound one.
        const relay = await startTcpRelay(port ?? 0);
        relays.push(relay);
        const args = (id: string, extra: string[]) =>
          etcdNodeArgs(id, etcd?.endpoints[0] ?? '', 'advertised', 5, extra);
        const a = spawnCli(
          args('node-a', ['--listen', `127.0.0.1:${port}`, '--advertise-url', `${relay.url}/`]),
        );
        const b = spawnCli(args('node-b', []));
        spawned.push(a, b);
        expect(await listenUrl(a)).toBe(`http://127.0.0.1:${port}`);
        const urlB = await listenUrl(b);

        // The member record in etcd, read with etcdctl: the advertised URL, not the bound one.
        const record = await waitFor('node-a to join', async () => {
          const { stdout } = await run(
            etcdctl ?? 'etcdctl',
            [
              `--endpoints=${etcd?.endpoints[0]}`,
              'get',
              '--print-value-only',
              'election/advertised/members/node-a',
            ],
            { env: { ...process.env, ETCDCTL_API: '3' } },
          );
          return stdout.trim();
        });
        console.log(`advertise: node-a's member record: ${record}`);
        expect(record).toContain(`${relay.url}/status`);
        expect(record).not.toContain(`:${port}`);

        // node-b's /cluster asks node-a there (through the relay) and lists it with its own status.
        const view = await waitFor("node-b's /cluster to list node-a with its status", async () => {
          const body = JSON.parse((await getText(`${urlB}/cluster`)).body) as ClusterView;
          return body.members.find((member) => member.id === 'node-a')?.status?.isLeader ? body : undefined;
        });
        expect(view.members.find((member) => member.id === 'node-a')).toMatchObject({
          statusUrl: `${relay.url}/status`,
          present: true,
          error: null,
          status: { id: 'node-a', isLeader: true, phase: 'leader' },
        });
        expect(relay.accepted()).toBeGreaterThan(0);

        // And node-b's page shows node-a as the leader in its cluster table, from that status.
        const browser = await launchBrowser();
        try {
          const page = await browser.newPage();
          await page.goto(`${urlB}/`);
          await page.waitForFunction(
            () => {
              const doc = (
                globalThis as unknown as {
                  document: { querySelectorAll(s: string): ArrayLike<{ textContent: string | null }> };
                }
              ).document;
              return Array.from(doc.querySelectorAll('#cluster tr')).some((tr) =>
                /^node-a LEADERleader\d+/.test(tr.textContent ?? ''),
              );
            },
            undefined,
            { timeout: 10_000 },
          );
          const rows = await page.locator('#cluster tr').allTextContents();
          expect(rows[0]).toMatch(/^node-a LEADERleader\d+\d+\.\d sLeading, term \d+\.$/);
          expect(rows[1]).toMatch(/^node-b this nodefollower\d+Outranked by node-a/);
        } finally {
          await browser.close();
        }
      },
      60_000,
    );

    it('hands over to the next node as soon as the leader is stopped', async () => {
      // A 10 s TTL: a handover must not be an expiry.
      const args = (id: string) => etcdNodeArgs(id, etcd?.endpoints[0] ?? '', 'handover', 10);
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
    }, 30_000); // two node processes start first: under load that alone nears the 5 s default

    it('SIGUSR2 drains the leader (setPriority): b leads at once, a stays a member; SIGHUP gives a its rank back', async () => {
      const args = (id: string) => etcdNodeArgs(id, etcd?.endpoints[0] ?? '', 'drain', 10);
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
    }, 30_000); // two node processes start first, as in the handover case
  },
);
