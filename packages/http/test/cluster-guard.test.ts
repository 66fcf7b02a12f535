import http from 'node:http';
import type { AddressInfo } from 'node:net';
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

/** node-a serving /cluster, and node-b publishing `${peerUrl}/status`; once a sees b. */
async function serving(peerUrl: string) {
  const { node } = cluster();
  const a = node('node-a');
  const handler = createElectionHandler(a);
  onCleanup(() => handler.close());
  const urlA = await listen((req, res) => handler(req, res));
  const b = node('node-b', { priority: 1, meta: { statusUrl: `${peerUrl}/status` } });
  await a.start();
  await b.start();
  await waitFor(() => a.state.members.length === 2, { timeoutMs: 5000, message: 'a to see b' });
  return { node, a, urlA };
}

describe('/cluster load', () => {
  it('HEAD /cluster asks no peer; a GET after a membership change asks again (no stale cache)', async () => {
    let hits = 0;
    const peerUrl = await listen((_req, res) => {
      hits++;
      res.writeHead(404);
      res.end();
    });
    const { node, a, urlA } = await serving(peerUrl);
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

/**
 * `/cluster` as a security reviewer sees it (issue 20 review): the URL it fetches is whatever a
 * member (or anyone who can write to the backend) publishes in its metadata, and what it fetched is
 * passed on to whoever can read `/cluster`.
 */
/** A loopback server that answers every request with `answer`; counts connections at once. */
async function server(answer: http.RequestListener) {
  let open = 0;
  let peak = 0;
  const s = http.createServer(answer);
  s.on('connection', (socket) => {
    open++;
    peak = Math.max(peak, open);
    socket.on('close', () => open--);
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  onCleanup(
    () =>
      new Promise<void>((resolve) => {
        s.closeAllConnections();
        s.close(() => resolve());
      }),
  );
  return {
    url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`,
    peak: () => peak,
  };
}

/** node-a (leads, serves /cluster) and node-b publishing `statusUrl`; the /cluster row of node-b. */
async function rowOfB(statusUrl: (urlA: string) => string, clusterTimeoutMs = 1000) {
  const { node } = cluster();
  const a = node('node-a');
  const handler = createElectionHandler(a, { clusterTimeoutMs });
  onCleanup(() => handler.close());
  const urlA = await listen((req, res) => handler(req, res));
  const b = node('node-b', { priority: 1, meta: { statusUrl: statusUrl(urlA) } });
  await a.start();
  await b.start();
  await waitFor(() => a.state.members.length === 2 && a.state.isLeader, {
    timeoutMs: 5000,
    message: 'a to lead and see b',
  });
  const startedAt = performance.now();
  const answer = await get(`${urlA}/cluster`);
  const tookMs = performance.now() - startedAt;
  const view = JSON.parse(answer.body) as ClusterView;
  const row = view.members.find((member) => member.id === 'node-b');
  return { body: answer.body, row, tookMs };
}

describe('/cluster and whatever a published URL answers (SSRF with the response reflected; failed on review20 67ecbbb)', () => {
  it('does not pass on a JSON body that is not a status (a cloud metadata endpoint with credentials)', async () => {
    // What AWS IMDSv1 answers at /latest/meta-data/iam/security-credentials/<role>: 200, JSON.
    const metadata = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          Code: 'Success',
          AccessKeyId: 'ASIAREVIEWKEY',
          SecretAccessKey: 'review-secret-access-key',
          Token: 'review-session-token',
        }),
      );
    });
    const { body, row } = await rowOfB(() => `${metadata.url}/latest/meta-data/iam/security-credentials/app`);
    expect(body).not.toContain('review-secret-access-key');
    expect(row?.status).toBeNull();
    expect(row?.error).toMatch(/not .*status/i);
  });

  it('does not show credentials of a published status URL (user:pass@ in the URL)', async () => {
    const target = await server((_req, res) => {
      res.writeHead(404);
      res.end();
    });
    const { body } = await rowOfB(() => target.url.replace('http://', 'http://admin:review-pass@'));
    expect(body).not.toContain('review-pass');
  });

  it('does not take a status that names another member as this member’s (a follower shown as LEADER)', async () => {
    // node-b publishes node-a's own /status URL: the page then badges node-b LEADER with a's term.
    const { row } = await rowOfB((urlA) => `${urlA}/status`);
    expect(row?.status?.id ?? 'node-b').toBe('node-b');
    expect(row?.status?.isLeader ?? false).toBe(false);
  });

  it('caps how many published URLs one request fetches at once (one GET /cluster, N outbound connections)', async () => {
    const tarpit = await server(() => {}); // accepts and never answers
    const members = Array.from({ length: 64 }, (_, i) => ({
      id: `m-${i}`,
      meta: { statusUrl: `${tarpit.url}/status` },
    }));
    const rows = await clusterMembers(members, { timeoutMs: 500 });
    expect(rows).toHaveLength(64);
    expect(tarpit.peak()).toBeLessThanOrEqual(16);
  });
});

describe('/cluster load on the peers (failed on review20 67ecbbb)', () => {
  it('does not ask every peer again for each of many page loads within a second (every open tab polls every 3 s)', async () => {
    let hits = 0;
    const peer = await server((_req, res) => {
      hits++;
      res.writeHead(404);
      res.end();
    });
    const { urlA } = await serving(peer.url);
    const startedAt = performance.now();
    for (let i = 0; i < 20; i++) await get(`${urlA}/cluster`); // 20 tabs, one after another
    const tookMs = performance.now() - startedAt;
    console.log(`cluster: 20 sequential /cluster in ${tookMs.toFixed(0)} ms asked the peer ${hits} times`);
    expect(tookMs).toBeLessThan(1000);
    expect(hits).toBeLessThanOrEqual(2);
  });
});

describe('/cluster fetches that held up on review20', () => {
  it('holds: a body dripped slower than the timeout is cut at the timeout', async () => {
    const drip = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{');
      const timer = setInterval(() => res.write(' '), 50);
      res.on('close', () => clearInterval(timer));
    });
    const { row, tookMs } = await rowOfB(() => `${drip.url}/status`, 300);
    expect(row).toMatchObject({ status: null, error: 'no answer within 300 ms' });
    expect(tookMs).toBeLessThan(2000);
  });

  it('holds: a body larger than a status is cut off, not buffered', async () => {
    const big = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`["${'x'.repeat(4 * 1024 * 1024)}"]`);
    });
    const { row } = await rowOfB(() => `${big.url}/status`);
    expect(row).toMatchObject({ status: null, error: 'answered more than a status' });
  });

  it('holds: a redirect is not followed; other schemes are refused', async () => {
    const redirect = await server((_req, res) => {
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
      res.end();
    });
    expect((await rowOfB(() => `${redirect.url}/status`)).row).toMatchObject({
      status: null,
      error: 'answered HTTP 302',
    });
    const rows = await clusterMembers(
      [
        { id: 'f', meta: { statusUrl: 'file:///etc/passwd' } },
        { id: 'd', meta: { statusUrl: 'data:application/json,{}' } },
      ],
      { timeoutMs: 300 },
    );
    expect(rows.map((row) => row.error)).toEqual([
      'its status URL is not http(s)',
      'its status URL is not http(s)',
    ]);
  });
});
