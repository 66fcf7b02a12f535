import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { clusterMembers } from '@election/http';
import { afterAll, describe, expect, it } from 'vitest';
import { formatTable } from '../src/list.js';

/**
 * Review of issue 20, `election-node list`: it prints what each member's published status URL
 * answers, to an operator's terminal. That answer is whatever the URL's owner sends.
 */
const servers: http.Server[] = [];
afterAll(() => {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
});

async function answering(body: unknown): Promise<string> {
  const s = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  servers.push(s);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}/status`;
}

const view = { leaderId: null, term: null };

describe('review: election-node list prints what a member answers', () => {
  it('does not crash on a status whose term is a number (one odd member must not hide the others)', async () => {
    const url = await answering({ id: 'm', isLeader: false, phase: 'follower', term: 7, reasonText: 'ok' });
    const rows = await clusterMembers([{ id: 'm', meta: { statusUrl: url } }], { timeoutMs: 1000 });
    expect(() => formatTable(rows, view)).not.toThrow();
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
    const table = formatTable(rows, view);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are the point
    expect(table).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  });
});
