import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ClusterMember, clusterMembers, type ElectionStatus } from '@election/http';
import { afterAll, describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from '../src/flags.js';
import { cell, formatTable } from '../src/list.js';
import { advertisedBase } from '../src/node.js';

/** Issue 20 review, items 3 and 9: the published status URL, and list's cells. */
function config(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const result = parseArgs(['--id', 'a', ...argv], env);
  if (result.help) throw new Error('unexpected --help');
  return result.config;
}

describe('--advertise-url', () => {
  it('is read from the flag or ELECTION_ADVERTISE_URL and is the published base', () => {
    const flag = config(['--listen', '0.0.0.0:7001', '--advertise-url', 'http://node-1.internal:7001/']);
    expect(flag.advertiseUrl).toBe('http://node-1.internal:7001');
    expect(advertisedBase(flag, 'http://0.0.0.0:7001')).toBe('http://node-1.internal:7001');
    const env = config([], { ELECTION_ADVERTISE_URL: 'https://lb.example/ops/a' });
    expect(advertisedBase(env, 'http://127.0.0.1:7001')).toBe('https://lb.example/ops/a');
  });

  it('defaults to the bound address, and to none on a wildcard address (0.0.0.0, ::)', () => {
    expect(advertisedBase(config(['--listen', '127.0.0.1:7001']), 'http://127.0.0.1:7001')).toBe(
      'http://127.0.0.1:7001',
    );
    expect(advertisedBase(config(['--listen', '0.0.0.0:7001']), 'http://0.0.0.0:7001')).toBeUndefined();
    expect(advertisedBase(config(['--listen', '[::]:7001']), 'http://[::]:7001')).toBeUndefined();
  });

  it('refuses credentials, a query and other schemes, naming the flag (exit 2)', () => {
    const usage = (argv: string[]) => {
      try {
        parseArgs(['--id', 'a', ...argv]);
      } catch (error) {
        expect(error).toBeInstanceOf(UsageError);
        return (error as Error).message;
      }
      throw new Error('expected a UsageError');
    };
    expect(usage(['--advertise-url', 'http://u:secret@h:1'])).toMatch(/^--advertise-url: .*user:pass@/);
    expect(usage(['--advertise-url', 'http://h:1/?x=1'])).toMatch(/^--advertise-url: .*query/);
    expect(usage(['--advertise-url', 'ftp://h'])).toMatch(/^--advertise-url: .*http:\/\//);
  });
});

describe('election-node list cells', () => {
  const status = (over: Partial<ElectionStatus>): ElectionStatus => ({
    id: 'm',
    leaderId: null,
    isLeader: false,
    term: null,
    members: ['m'],
    phase: 'follower',
    backend: 'etcd',
    mode: 'confirmed',
    reason: { kind: 'no-candidates' },
    reasonText: 'ok',
    leaseRemainingMs: null,
    ranking: [],
    leaderSince: null,
    ...over,
  });
  const row = (s: ElectionStatus | null): ClusterMember => ({
    id: 'm',
    priority: 0,
    observer: false,
    present: true,
    goneSince: null,
    statusUrl: null,
    status: s,
    error: s ? null : 'x',
  });

  it('shows C0 and C1 control characters of a valid status as "?"', () => {
    const table = formatTable(
      [row(status({ phase: 'follower\u001b[2J', reasonText: 'Outranked.\u009b1A\u0007' }))],
      { leaderId: null, term: null },
    );
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are the point
    expect(table).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(table).toContain('follower?[2J');
  });

  it('stringifies any value', () => {
    expect(cell(7)).toBe('7');
    expect(cell(null)).toBe('');
    expect(cell({ toString: () => 'x\ny' })).toBe('x?y');
  });
});

const servers: http.Server[] = [];
afterAll(() => {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
});

/** A loopback status URL answering `body`. */
async function answering(body: unknown): Promise<string> {
  const s = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  servers.push(s);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}/status`;
}

describe('election-node list prints what a member answers, which is whatever its URL sends (issue 20 review)', () => {
  it('does not crash on a status whose term is a number (one odd member must not hide the others)', async () => {
    const url = await answering({ id: 'm', isLeader: false, phase: 'follower', term: 7, reasonText: 'ok' });
    const rows = await clusterMembers([{ id: 'm', meta: { statusUrl: url } }], { timeoutMs: 1000 });
    expect(() => formatTable(rows, { leaderId: null, term: null })).not.toThrow();
  });

  it('does not pass terminal control sequences from a member’s answer to the terminal', async () => {
    // OSC 0 (set the window title) and "clear screen": anything that answers there can rewrite
    // what the operator sees, e.g. hide the real leader's row.
    const url = await answering({
      id: 'm',
      isLeader: false,
      phase: 'follower\u001b[2J',
      term: null,
      reasonText: 'Outranked.\u001b]0;pwned\u0007\u001b[1A\u001b[2K',
    });
    const rows = await clusterMembers([{ id: 'm', meta: { statusUrl: url } }], { timeoutMs: 1000 });
    const table = formatTable(rows, { leaderId: null, term: null });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are the point
    expect(table).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  });
});
