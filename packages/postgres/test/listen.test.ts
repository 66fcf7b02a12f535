import type { MembershipEvent, MembershipSession } from '@election/core/adapter';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createPostgresMembership,
  type PostgresMembershipBackend,
  type PostgresMembershipOptions,
} from '../src/index.js';
import { freshSchema, joinAs, usePostgres } from './postgres.js';

const postgres = usePostgres();
// A TTL long enough that no read is due to an expiry during a case: only NOTIFY or the poll reads.
const TTL_MS = 10_000;
const backends: PostgresMembershipBackend[] = [];
afterEach(async () => {
  for (const backend of backends.splice(0)) await backend.close();
});

function backendOf(options: Partial<PostgresMembershipOptions>): PostgresMembershipBackend {
  const backend = createPostgresMembership({ connectionString: postgres.server().url, ...options });
  backends.push(backend);
  return backend;
}

/** Connections of this server whose session ran LISTEN last (the listening connections). */
async function listening(): Promise<number> {
  const { rows } = await postgres
    .admin()
    .query(
      `select count(*)::int as n from pg_stat_activity where query ilike 'listen %' and pid <> pg_backend_pid()`,
    );
  return rows[0].n;
}

/** The ids of a session's latest membership snapshot. */
function viewOf(session: MembershipSession): () => string[] {
  let ids: string[] = [];
  session.watchMembers((event: MembershipEvent) => {
    if (event.type === 'snapshot') ids = event.members.map((member) => member.id);
  });
  return () => ids;
}

describe('change notification', () => {
  it('one LISTEN connection per process, shared by every session, gone once the last one leaves', async () => {
    const schema = freshSchema();
    const sessions = [];
    for (const id of ['a', 'b', 'c'])
      sessions.push(await joinAs(backendOf({ schema }), id, { ttlMs: TTL_MS }));
    await expect.poll(listening, { timeout: 5000 }).toBe(1);
    for (const session of sessions) await session.leave();
    await expect.poll(listening, { timeout: 5000 }).toBe(0);
  }, 30_000);

  it('a NOTIFY wakes the others at once (the poll alone would take a minute), also after the listener was cut', async () => {
    const schema = freshSchema();
    const a = await joinAs(backendOf({ schema, pollMs: 60_000 }), 'a', { ttlMs: TTL_MS });
    const seen = viewOf(a);
    await expect.poll(listening, { timeout: 5000 }).toBe(1);
    const b = await joinAs(backendOf({ schema, pollMs: 60_000 }), 'b', { ttlMs: TTL_MS });
    await expect.poll(seen, { timeout: 1500, interval: 20 }).toEqual(['a', 'b']);
    // The server ends the listening connection: it comes back, and wakes its sessions.
    await postgres
      .admin()
      .query(`select pg_terminate_backend(pid) from pg_stat_activity where query ilike 'listen %'`);
    await expect.poll(listening, { timeout: 5000 }).toBe(1);
    await b.leave();
    await expect.poll(seen, { timeout: 1500, interval: 20 }).toEqual(['a']);
    await a.leave();
  }, 30_000);

  it('works with the longest schema name allowed (its channel name stays within 63 bytes)', async () => {
    const schema = `l${freshSchema().replaceAll('_', '')}`.padEnd(54, 'x');
    expect(schema).toHaveLength(54);
    const a = await joinAs(backendOf({ schema, pollMs: 60_000 }), 'a', { ttlMs: TTL_MS });
    const seen = viewOf(a);
    await expect.poll(listening, { timeout: 5000 }).toBe(1);
    const b = await joinAs(backendOf({ schema, pollMs: 60_000 }), 'b', { ttlMs: TTL_MS });
    await expect.poll(seen, { timeout: 1500, interval: 20 }).toEqual(['a', 'b']);
    await b.leave();
    await a.leave();
  }, 30_000);

  it('listen: false (pgbouncer in transaction mode): no LISTEN, and the poll alone keeps members and holder current', async () => {
    const schema = freshSchema();
    const a = await joinAs(backendOf({ schema, listen: false, pollMs: 200 }), 'a', { ttlMs: TTL_MS });
    const seen = viewOf(a);
    const holders: Array<string | null> = [];
    a.lock?.watchHolder((holder) => holders.push(holder?.id ?? null));
    const b = await joinAs(backendOf({ schema, listen: false, pollMs: 200 }), 'b', { ttlMs: TTL_MS });
    await expect.poll(seen, { timeout: 1500, interval: 20 }).toEqual(['a', 'b']);
    const token = (await b.lock?.tryAcquire()) as bigint;
    await expect.poll(() => holders.at(-1), { timeout: 1500, interval: 20 }).toBe('b');
    await b.lock?.release(token);
    await expect.poll(() => holders.at(-1), { timeout: 1500, interval: 20 }).toBeNull();
    expect(await listening()).toBe(0);
    await b.leave();
    await a.leave();
  }, 30_000);
});
