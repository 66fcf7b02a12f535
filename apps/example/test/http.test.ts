import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type NodeConfig, parseArgs } from '../src/flags.js';
import { type RunningNode, startNode } from '../src/node.js';
import { getText, waitFor } from './helpers.js';

const running: RunningNode[] = [];
const servers: http.Server[] = [];

afterEach(async () => {
  for (const node of running.splice(0)) await node.stop();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

function configFor(argv: string[]): NodeConfig {
  const parsed = parseArgs(argv);
  if (parsed.help) throw new Error('unexpected help');
  return parsed.config;
}

/** A node in this process, logging JSON objects into `logs`. */
async function start(argv: string[]) {
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => logs.push(JSON.parse(line)) });
  const node = await startNode(configFor(argv), { logger, taskIntervalMs: 50 });
  running.push(node);
  return { node, logs };
}

/** A peer whose /healthz never answers: joining waits out one probe timeout. */
async function hangingPeer(): Promise<string> {
  const server = http.createServer(() => {});
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('the HTTP endpoints', () => {
  it('GET /status reports id, leader, term, members in election order, phase, backend and reason', async () => {
    const { node } = await start(['--id', 'solo']);
    await node.joined;
    const { status, body, type } = await getText(`${node.url}/status`);
    expect(status).toBe(200);
    expect(type).toMatch(/^application\/json/);
    expect(JSON.parse(body)).toMatchObject({
      id: 'solo',
      leaderId: 'solo',
      isLeader: true,
      term: null,
      members: ['solo'],
      phase: 'leader',
      backend: 'static',
      mode: 'view',
      reason: { kind: 'leading', term: null },
      reasonText: 'Leading (view mode, no fencing token).',
      // The static backend has no lease: nothing to run out.
      leaseRemainingMs: null,
    });
  });

  it('GET / serves the live page of this node', async () => {
    const { node, logs } = await start(['--id', 'solo']);
    await node.joined;
    const page = await getText(`${node.url}/`);
    expect(page.status).toBe(200);
    expect(page.type).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<title>election-node: solo</title>');
    expect(logs.find((line) => line.event === 'listening')).toMatchObject({ page: `${node.url}/` });
  });

  it('lists members in election order (UTF-8 byte order, not JS order)', async () => {
    // Two in-process nodes probing each other: "\uFF61" ranks before "\u{1F600}" in UTF-8.
    const first = await start(['--id', '\u{1F600}']);
    const second = await start(['--id', '\uFF61', '--peers', `\u{1F600}=${first.node.url}`]);
    await second.node.joined;
    const status = JSON.parse((await getText(`${second.node.url}/status`)).body) as { members: string[] };
    expect(status.members).toEqual(['\uFF61', '\u{1F600}']);
    expect(second.node.elector.state.leaderId).toBe('\uFF61');
  });

  it('GET /healthz answers 200 from the start; /readyz 503 until joined, then 200', async () => {
    // --ttl 9: probes time out after 1 s, a window wide enough to look at a node that has not joined.
    const { node } = await start(['--id', 'a', '--ttl', '9', '--peers', `b=${await hangingPeer()}`]);
    // The join waits for the first probe of b, which hangs until its timeout.
    expect((await getText(`${node.url}/healthz`)).status).toBe(200);
    const before = await getText(`${node.url}/readyz`);
    expect(before.status).toBe(503);
    expect(JSON.parse((await getText(`${node.url}/status`)).body).phase).toBe('joining');
    await node.joined;
    expect((await getText(`${node.url}/readyz`)).status).toBe(200);
    expect((await getText(`${node.url}/healthz`)).body).toBe('ok\n');
  });

  it('GET /metrics serves the election metrics in Prometheus text format', async () => {
    const { node } = await start(['--id', 'a']);
    await node.joined;
    const { status, body, type } = await getText(`${node.url}/metrics`);
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(body).toMatch(/^# TYPE election_is_leader gauge$/m);
    expect(body).toMatch(/^election_is_leader\{election="default"\} 1$/m);
    expect(body).toMatch(/^election_leader_changes_total\{election="default"\} 0$/m);
    expect(body).toMatch(/^election_term\{election="default"\} 0$/m);
    expect(body).toMatch(/^election_members\{election="default"\} 1$/m);
    expect(body).toMatch(/^election_lease_remaining_seconds\{election="default"\} \+Inf$/m);
    expect(body).toMatch(/^election_info\{election="default",backend="static",mode="view",id="a"\} 1$/m);
    expect(body).toMatch(/^process_cpu_user_seconds_total /m);
  });

  it('answers 404 for unknown paths and 405 for other methods', async () => {
    const { node } = await start(['--id', 'a']);
    expect((await getText(`${node.url}/nope`)).status).toBe(404);
    const post = await fetch(`${node.url}/status`, { method: 'POST' });
    expect(post.status).toBe(405);
  });
});

describe('leadership logging and the leader-only task', () => {
  it('logs one leader-changed line per change with event, leaderId, term and reason', async () => {
    const a = await start(['--id', 'a']);
    await a.node.joined;
    const b = await start(['--id', 'b', '--peers', `a=${a.node.url}`]);
    await b.node.joined;
    const changes = (logs: Array<Record<string, unknown>>) =>
      logs.filter((line) => line.event === 'leader-changed');
    expect(changes(a.logs)).toEqual([
      expect.objectContaining({ event: 'leader-changed', leaderId: 'a', term: null, reason: 'elected' }),
    ]);
    expect(changes(b.logs)).toEqual([
      expect.objectContaining({
        event: 'leader-changed',
        leaderId: 'a',
        term: null,
        reason: 'leader-found',
        why: 'Outranked by a: its id sorts first (UTF-8 byte order).',
      }),
    ]);
    // a goes away; b's probes notice and b takes over: one more line each.
    await a.node.stop();
    await waitFor('b to lead', () => b.node.elector.state.isLeader, 5000);
    await waitFor('b to log it', () => changes(b.logs).length === 2);
    expect(changes(b.logs)[1]).toMatchObject({ leaderId: 'b', previousLeaderId: 'a', reason: 'elected' });
    expect(changes(a.logs).at(-1)).toMatchObject({ leaderId: null, reason: 'stopped' });
  });

  it('runs the leader-only task while leading and stops it with the leadership', async () => {
    const { node, logs } = await start(['--id', 'a']);
    await node.joined;
    await waitFor('the task to start', () => logs.some((line) => line.event === 'leader-task-started'));
    expect(logs.find((line) => line.event === 'leader-task-started')).toMatchObject({ term: null });
    await node.stop();
    const stopped = logs.find((line) => line.event === 'leader-task-stopped');
    expect(stopped).toMatchObject({ term: null });
    expect(stopped?.msg).toMatch(/stopped/);
  });
});
