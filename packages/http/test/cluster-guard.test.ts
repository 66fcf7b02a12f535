import { type ClusterView, clusterMembers, createElectionHandler, type ElectionStatus } from '@election/http';
import { waitFor } from '@election/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { lookupRefusingMetadata } from '../src/fetch-status.js';
import { cleanup, cluster, get, listen, onCleanup } from './support.js';

/** Issue 20 review, items 1, 2 and 4: what /cluster fetches, what it passes on, and how often. */
afterEach(cleanup);

/** A status as /status answers it, for member `id`. */
const statusOf = (id: string): ElectionStatus => ({
  id,
  leaderId: null,
  isLeader: false,
  term: null,
  members: [id],
  phase: 'follower',
  backend: 'memory',
  mode: 'confirmed',
  reason: { kind: 'no-candidates' },
  reasonText: 'No member in view can be elected.',
  leaseRemainingMs: null,
  ranking: [{ id, priority: 0, observer: false, leader: false, self: true }],
  leaderSince: null,
});

/** A loopback URL answering `body` as JSON; counts requests. */
async function answering(body: unknown) {
  let hits = 0;
  const url = await listen((_req, res) => {
    hits++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  return { url, hits: () => hits };
}

describe('/cluster fetches only what it may, and passes on only a status', () => {
  it('copies a status field by field: a field a status has not is not passed on', async () => {
    const peer = await answering({ ...statusOf('m'), injected: 'not ours', reason: { kind: 'x', extra: 1 } });
    const [row] = await clusterMembers([{ id: 'm', meta: { statusUrl: `${peer.url}/status` } }], {
      timeoutMs: 1000,
    });
    expect(row?.error).toBeNull();
    expect(row?.status).toEqual({ ...statusOf('m'), reason: { kind: 'x' } });
  });

  it('fetches through a host name (resolved by the guarded lookup)', async () => {
    const peer = await answering(statusOf('m'));
    const [row] = await clusterMembers(
      [{ id: 'm', meta: { statusUrl: `${peer.url.replace('127.0.0.1', 'localhost')}/status` } }],
      { timeoutMs: 1000 },
    );
    expect(row).toMatchObject({ status: statusOf('m'), error: null });
  });

  it('refuses a name resolved to a metadata address where it is resolved (no traffic: a literal resolves locally)', async () => {
    const resolve = (host: string, all: boolean) =>
      new Promise<unknown>((done) =>
        lookupRefusingMetadata(host, { all } as never, (error, address) => done(error ?? address)),
      );
    for (const all of [false, true]) {
      expect(String(await resolve('169.254.169.254', all))).toMatch(/metadata address/);
      expect(String(await resolve('fd00:ec2::254', all))).toMatch(/metadata address/);
    }
    expect(await resolve('127.0.0.1', false)).toBe('127.0.0.1');
    expect(await resolve('127.0.0.1', true)).toEqual([{ address: '127.0.0.1', family: 4 }]);
  });

  it('refuses a URL whose path does not end in /status, without asking it', async () => {
    const peer = await answering(statusOf('m'));
    const [row] = await clusterMembers([{ id: 'm', meta: { statusUrl: `${peer.url}/status/../admin` } }], {
      timeoutMs: 1000,
    });
    expect(row).toMatchObject({ status: null, error: 'its status URL does not end in /status' });
    expect(peer.hits()).toBe(0);
  });

  it('refuses link-local and metadata addresses by default, in every spelling (no traffic is sent)', async () => {
    const urls = [
      'http://169.254.169.254/status',
      'http://169.254.1.1:8080/x/status',
      'http://[fd00:ec2::254]/status',
      'http://[::ffff:169.254.169.254]/status',
      'http://[fe80::1]/status',
    ];
    const rows = await clusterMembers(
      urls.map((statusUrl, i) => ({ id: `m${i}`, meta: { statusUrl } })),
      { timeoutMs: 300 },
    );
    for (const row of rows) expect(row.error).toMatch(/link-local or metadata address/);
  });

  it('lets clusterAllow decide instead (here: refuse a loopback URL)', async () => {
    const peer = await answering(statusOf('m'));
    const seen: string[] = [];
    const allow = (url: URL) => {
      seen.push(url.href);
      return false;
    };
    const [row] = await clusterMembers([{ id: 'm', meta: { statusUrl: `${peer.url}/status` } }], {
      timeoutMs: 1000,
      allow,
    });
    expect(row).toMatchObject({ status: null, error: 'its status URL is refused by clusterAllow' });
    expect(seen).toEqual([`${peer.url}/status`]);
    expect(peer.hits()).toBe(0);
  });

  it('shows a status URL without user:pass@ and with a token masked', async () => {
    const [row] = await clusterMembers(
      [{ id: 'm', meta: { statusUrl: 'http://admin:hunter2@127.0.0.1:1/status?token=abcdef123456' } }],
      { timeoutMs: 300 },
    );
    expect(row?.statusUrl).not.toContain('hunter2');
    expect(row?.statusUrl).not.toContain('admin');
    expect(row?.statusUrl).not.toContain('abcdef123456');
    expect(row?.statusUrl).toMatch(/^http:\/\/127\.0\.0\.1:1\/status/);
  });
});

describe('/cluster load', () => {
  it('HEAD /cluster asks no peer; a GET after a membership change asks again (no stale cache)', async () => {
    let hits = 0;
    const peerUrl = await listen((_req, res) => {
      hits++;
      res.writeHead(404);
      res.end();
    });
    const { node } = cluster();
    const a = node('node-a');
    const handler = createElectionHandler(a);
    onCleanup(() => handler.close());
    const urlA = await listen((req, res) => handler(req, res));
    const b = node('node-b', { priority: 1, meta: { statusUrl: `${peerUrl}/status` } });
    await a.start();
    await b.start();
    await waitFor(() => a.state.members.length === 2, { timeoutMs: 5000, message: 'a to see b' });
    const head = await fetch(`${urlA}/cluster`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(hits).toBe(0);
    await get(`${urlA}/cluster`);
    expect(hits).toBe(1);
    const c = node('node-c', { priority: 2 });
    await c.start();
    await waitFor(() => a.state.members.length === 3, { timeoutMs: 5000, message: 'a to see c' });
    const view = JSON.parse((await get(`${urlA}/cluster`)).body) as ClusterView;
    expect(view.members.map((member) => member.id)).toContain('node-c');
    expect(hits).toBe(2);
  });
});
