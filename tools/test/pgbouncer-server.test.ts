import { existsSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PostgresServer, startPgbouncer, startPostgres } from '../src/index.js';
import { portIsFree } from './ports.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

let postgres: PostgresServer;
beforeAll(async () => {
  postgres = await startPostgres({ external: false, auth: true });
}, 60_000);
afterAll(async () => {
  await postgres?.stop();
});

describe('startPgbouncer', () => {
  it('pools to the test PostgreSQL in transaction mode on a loopback port, with its password; stop() leaves no process, port or dir', async () => {
    const bouncer = await startPgbouncer({ postgres });
    const single = await startPgbouncer({ postgres, poolSize: 1 });
    const { port, pid, dataDir } = bouncer;
    try {
      expect(port).not.toBe(postgres.port);
      expect(bouncer.url).toBe(postgres.url.replace(`:${postgres.port}/`, `:${port}/`));
      const wrong = new pg.Client({ ...bouncer.clientOptions, password: 'wrong' });
      await expect(wrong.connect()).rejects.toThrow(/authentication failed/);
      // Transaction pooling: two clients, each between its transactions, share the one server
      // connection of a pool of size 1 (in session mode the second would wait for the first to leave).
      const clients = await Promise.all(
        [0, 1].map(async () => {
          const client = new pg.Client({ connectionString: single.url });
          await client.connect();
          return client;
        }),
      );
      try {
        const pids = await Promise.all(
          clients.map(async (client) => (await client.query('select pg_backend_pid() as p')).rows[0].p),
        );
        expect(pids[0]).toBeTypeOf('number');
        expect(pids[1]).toBe(pids[0]);
      } finally {
        await Promise.all(clients.map((client) => client.end()));
      }
      const byUrl = new pg.Client({ connectionString: bouncer.url });
      await byUrl.connect();
      expect((await byUrl.query('select current_user as who')).rows).toEqual([{ who: 'postgres' }]);
      await byUrl.end();
    } finally {
      await bouncer.stop();
      await single.stop();
    }
    expect(alive(pid as number)).toBe(false);
    expect(bouncer.pid).toBeUndefined();
    expect(await portIsFree(port)).toBe(true);
    expect(existsSync(dataDir)).toBe(false);
    await bouncer.stop(); // idempotent
  }, 60_000);
});
