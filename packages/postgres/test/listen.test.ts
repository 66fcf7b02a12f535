import { type MembershipEvent, type MembershipSession, systemClock } from '@election/core/adapter';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createPostgresMembership } from '../src/index.js';
import { PROBE_DEADLINE_MS, PROBE_EVERY_MS } from '../src/notifications.js';
import {
  freshSchema,
  joinAs,
  listenerPid,
  recordingLogger,
  until,
  useBackends,
  usePostgres,
} from './postgres.js';

const postgres = usePostgres();
// A TTL long enough that no read is due to an expiry during a case: only NOTIFY or the poll reads.
const TTL_MS = 10_000;
const { backendOf } = useBackends(postgres);

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

  it('the probe is off unless a session asks for it (listenProbe): no probe NOTIFY is sent', async () => {
    const schema = freshSchema();
    const pool = new pg.Pool({ connectionString: postgres.server().url, max: 3 });
    let notifies = 0;
    const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
    (pool as unknown as { query: (...args: unknown[]) => unknown }).query = (...args) => {
      // The probe's own statement (the schema's migration mentions pg_notify too).
      if (String((args[0] as { text?: string })?.text ?? args[0]).includes('pg_notify($1')) notifies += 1;
      return query(...args);
    };
    // On the test's own pool: closed before the pool ends, not after the test.
    const own = createPostgresMembership({ pool, schema, pollMs: 60_000 });
    try {
      const a = await joinAs(own, 'a', { ttlMs: TTL_MS });
      const seen = viewOf(a);
      await expect.poll(listening, { timeout: 5000 }).toBe(1);
      // The listener works (a NOTIFY wakes a with the poll 60 s away); a probe would have gone first.
      await joinAs(backendOf({ schema }), 'b', { ttlMs: TTL_MS });
      await until(async () => seen().includes('b'), 'a to see b by NOTIFY', 5000);
      expect(notifies).toBe(0);
    } finally {
      await own.close();
      await pool.end();
    }
  }, 30_000);

  it('a listening backend that stops answering (SIGSTOP: its socket stays open, so TCP keepalive says nothing) is found by the probe: the listener is replaced and notifications are used again', async () => {
    const schema = freshSchema();
    const logger = recordingLogger();
    const a = await backendOf({ schema, pollMs: 60_000, listenProbe: true }).join({
      member: { id: 'a' },
      ttlMs: TTL_MS,
      clock: systemClock,
      logger,
      signal: new AbortController().signal,
      takeover: false,
    });
    const seen = viewOf(a);
    await expect.poll(listening, { timeout: 5000 }).toBe(1);
    const stalled = await listenerPid(postgres.admin());
    process.kill(stalled, 'SIGSTOP');
    try {
      // Within a probe interval plus its deadline: a miss, said once, and a new listener that works.
      await until(
        async () => logger.lines.some((line) => line.includes('arrive again')),
        'the probe to miss and then arrive on a new listener',
        PROBE_EVERY_MS + PROBE_DEADLINE_MS + 4000,
      );
      expect(logger.lines).toEqual([
        'notifications do not arrive (pgbouncer in transaction mode?), reading by poll every 60000 ms; set listen: false behind pgbouncer in transaction mode, or listenProbe: false to stop the probe',
        'notifications arrive again: reading on each NOTIFY',
      ]);
      // A new listening connection beside the stopped one (which leaves once it runs again).
      const { rows } = await postgres
        .admin()
        .query(`select pid from pg_stat_activity where query ilike 'listen %' and pid <> $1`, [stalled]);
      expect(rows).toHaveLength(1);
    } finally {
      process.kill(stalled, 'SIGCONT');
    }
    await expect.poll(listening, { timeout: 5000 }).toBe(1);
    // Woken by NOTIFY again: the poll alone would take a minute.
    const b = await joinAs(backendOf({ schema, pollMs: 60_000 }), 'b', { ttlMs: TTL_MS });
    await expect.poll(seen, { timeout: 1500, interval: 20 }).toEqual(['a', 'b']);
    await b.leave();
    await a.leave();
  }, 30_000);
});
