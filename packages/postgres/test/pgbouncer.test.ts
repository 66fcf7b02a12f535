import { ConfigurationError, systemClock } from '@election/core/adapter';
import { runContractSuite } from '@election/testing';
import { type PgbouncerServer, type PostgresServer, startPgbouncer, startPostgres } from '@election/tools';
import pg from 'pg';
import * as vitest from 'vitest';
import { createPostgresMembership, type PostgresMembershipBackend } from '../src/index.js';
import { PROBE_DEADLINE_MS } from '../src/notifications.js';
import { freshSchema, joinAs, recordingLogger, until } from './postgres.js';

// A real pgbouncer (Debian's 1.18) in transaction mode, in front of a real PostgreSQL with a
// password: the adapter's statements are single function calls, so they work through it; its
// LISTEN is accepted but the notifications go to whichever client holds that server connection.
let postgres: PostgresServer;
let bouncer: PgbouncerServer;
vitest.beforeAll(async () => {
  postgres = await startPostgres({ external: false, auth: true });
  bouncer = await startPgbouncer({ postgres, poolMode: 'transaction' });
}, 60_000);
vitest.afterAll(async () => {
  await bouncer?.stop();
  await postgres?.stop();
});

// The elector-level contract, through pgbouncer, with the adapter's own pool and with a pg.Pool of
// the user's. The listener's probe misses (nothing says listen: false); the poll carries the cases.
for (const kind of ['own pool', "the user's pg.Pool"] as const) {
  runContractSuite(
    {
      ...vitest,
      describe: (name, fn) => vitest.describe(`through pgbouncer (transaction mode), ${kind}: ${name}`, fn),
    },
    () => {
      const schema = freshSchema();
      const backends: PostgresMembershipBackend[] = [];
      const pools: pg.Pool[] = [];
      return {
        createBackend: () => {
          let backend: PostgresMembershipBackend;
          if (kind === 'own pool') {
            backend = createPostgresMembership({ connectionString: bouncer.url, schema, pollMs: 300 });
          } else {
            const pool = new pg.Pool({ connectionString: bouncer.url, max: 3 });
            pool.on('error', () => {});
            pools.push(pool);
            backend = createPostgresMembership({ pool, schema, pollMs: 300 });
          }
          backends.push(backend);
          return backend;
        },
        teardown: async () => {
          await Promise.all(backends.map((backend) => backend.close()));
          await Promise.all(pools.map((pool) => pool.end()));
        },
      };
    },
    { name: 'postgres', lock: true, ttlMs: 2000, timeoutMs: 3000, concurrent: true },
  );
}

vitest.describe('the listener probe, through pgbouncer (transaction mode)', () => {
  vitest.it(
    'finds that notifications do not arrive and says so once, not once per probe; the poll keeps the view right',
    async () => {
      const schema = freshSchema();
      const pool = new pg.Pool({ connectionString: bouncer.url, max: 3 });
      pool.on('error', () => {});
      // Counts the probes the adapter sends through the user's pool.
      let probes = 0;
      const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
      (pool as unknown as { query: (...args: unknown[]) => unknown }).query = (...args) => {
        if (String((args[0] as { text?: string })?.text).includes('pg_notify')) probes += 1;
        return query(...args);
      };
      const logger = recordingLogger();
      const a = createPostgresMembership({ pool, schema, pollMs: 300, listenProbe: true });
      const b = createPostgresMembership({ connectionString: bouncer.url, schema, listen: false });
      try {
        const session = await a.join({
          member: { id: 'a' },
          ttlMs: 10_000,
          clock: systemClock,
          logger,
          signal: new AbortController().signal,
          takeover: false,
        });
        let ids: string[] = [];
        session.watchMembers((event) => {
          if (event.type === 'snapshot') ids = event.members.map((member) => member.id);
        });
        // Three probes sent, and the third given its deadline: each one missed.
        await until(async () => probes >= 3, 'three probes sent', 15_000);
        const third = Date.now();
        await until(async () => Date.now() - third > PROBE_DEADLINE_MS + 200, 'the third probe missed');
        const missed = logger.lines.filter((line) => line.includes('notifications do not arrive'));
        vitest
          .expect(missed)
          .toEqual([
            'notifications do not arrive (pgbouncer in transaction mode?), reading by poll every 300 ms; set listen: false behind pgbouncer in transaction mode, or listenProbe: false to stop the probe',
          ]);
        vitest.expect(logger.lines.some((line) => line.includes('arrive again'))).toBe(false);
        // The poll alone: another node joins, then takes the leader row; both are seen.
        const other = await joinAs(b, 'b', { ttlMs: 10_000 });
        await until(async () => ids.join() === 'a,b', 'a sees b by its poll', 3000);
        const token = (await other.lock?.tryAcquire()) as bigint;
        vitest.expect(typeof token).toBe('bigint');
        let holder: string | undefined;
        session.lock?.watchHolder((h) => {
          holder = h?.id;
        });
        await until(async () => holder === 'b', 'a sees b hold the leader row', 3000);
        await other.leave();
        await session.leave();
      } finally {
        await a.close();
        await b.close();
        await pool.end();
      }
    },
    40_000,
  );
});

vitest.describe('bad input through pgbouncer', () => {
  /** join() on a membership made of `url`: what it rejected with. */
  async function joinError(url: string): Promise<unknown> {
    const backend = createPostgresMembership({ connectionString: url, schema: freshSchema(), listen: false });
    try {
      return await joinAs(backend, 'a').then(
        () => undefined,
        (caught: unknown) => caught,
      );
    } finally {
      await backend.close();
    }
  }

  vitest.it(
    'a wrong password and a database pgbouncer does not know are ConfigurationErrors that say what to change (pgbouncer answers 08P01)',
    async () => {
      const wrongPassword = new URL(bouncer.url);
      wrongPassword.password = 'wrong-secret';
      const password = await joinError(wrongPassword.toString());
      // 5d817d8: a BackendUnavailableError, retried by core for ever.
      vitest.expect(password).toBeInstanceOf(ConfigurationError);
      vitest.expect((password as Error).message).toMatch(/user and password.*pgbouncer/);
      vitest.expect((password as Error).message).not.toContain('wrong-secret');
      const noDatabase = new URL(bouncer.url);
      noDatabase.pathname = '/nodb';
      const database = await joinError(noDatabase.toString());
      vitest.expect(database).toBeInstanceOf(ConfigurationError);
      vitest.expect((database as Error).message).toMatch(/database name/);
      vitest.expect((database as Error).message).not.toContain(bouncer.clientOptions.password as string);
    },
    20_000,
  );
});
