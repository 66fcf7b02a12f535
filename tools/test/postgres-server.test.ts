import { existsSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { type PostgresServer, startPostgres } from '../src/index.js';
import { portIsFree } from './ports.js';

/** Whether any process of the group `pid` leads (the postmaster and its backends) is still alive. */
function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The state letter of `pid` in /proc (`T` stopped, `S` sleeping, …), or undefined when it is gone. */
function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0];
  } catch {
    return undefined;
  }
}

async function query(server: PostgresServer, sql: string): Promise<unknown[]> {
  const client = new pg.Client(server.clientOptions);
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

const started: PostgresServer[] = [];
afterEach(async () => {
  for (const server of started.splice(0)) await server.stop();
});

async function start(options: Parameters<typeof startPostgres>[0] = {}): Promise<PostgresServer> {
  const server = await startPostgres({ external: false, ...options });
  started.push(server);
  return server;
}

describe('startPostgres', () => {
  it('starts a throwaway PostgreSQL on a loopback port that answers select 1, and stop() leaves no process, port or dir', async () => {
    const server = await start();
    const { port, pid, dataDir } = server;
    expect(server.url).toBe(`postgres://postgres@127.0.0.1:${port}/postgres`);
    expect(pid).toBeTypeOf('number');
    expect(await query(server, 'select 1 as one')).toEqual([{ one: 1 }]);
    // Connected over TCP on 127.0.0.1, as the superuser, not as root.
    expect(await query(server, 'select inet_server_addr()::text as addr, current_user as who')).toEqual([
      { addr: '127.0.0.1/32', who: 'postgres' },
    ]);
    expect(existsSync(dataDir)).toBe(true);
    await server.stop();
    expect(groupAlive(pid as number)).toBe(false);
    expect(server.pid).toBeUndefined();
    expect(await portIsFree(port)).toBe(true);
    expect(existsSync(dataDir)).toBe(false);
    await server.stop(); // idempotent
  }, 60_000);

  it('with auth, refuses a wrong password and takes the generated one (it is in url and clientOptions)', async () => {
    const server = await start({ auth: true });
    expect(await query(server, 'select 2 as two')).toEqual([{ two: 2 }]);
    const wrong = new pg.Client({ ...server.clientOptions, password: 'wrong' });
    await expect(wrong.connect()).rejects.toThrow(/password authentication failed/);
    const byUrl = new pg.Client({ connectionString: server.url });
    await byUrl.connect();
    await byUrl.end();
  }, 60_000);

  it('restart() after a crash (SIGKILL of every process) keeps the data and the port; SIGSTOP freezes it', async () => {
    const server = await start();
    await server.psql('create table kept (v int); insert into kept values (7)');
    const { port } = server;
    const before = server.pid as number;
    await server.kill('SIGKILL');
    expect(groupAlive(before)).toBe(false);
    await server.restart();
    expect(server.port).toBe(port);
    expect(server.pid).not.toBe(before);
    expect((await server.psql('select v from kept')).trim()).toBe('7');
    // A connection opened before the pause: its backend is frozen too, not only the postmaster.
    const open = new pg.Client(server.clientOptions);
    open.on('error', () => {});
    await open.connect();
    const workers = (await open.query('select pid from pg_stat_activity')).rows.map(
      (row) => row.pid as number,
    );
    expect(workers.length).toBeGreaterThan(1);
    await server.kill('SIGSTOP');
    try {
      // A stop signal takes effect when each process is next scheduled: one still running on the
      // other CPU reads 'R' for a moment. Polled until every one is stopped, with a deadline.
      await expect
        .poll(() => workers.map(processState), { timeout: 2000, interval: 10 })
        .toEqual(workers.map(() => 'T'));
      await expect(open.query({ text: 'select 1', query_timeout: 300 } as pg.QueryConfig)).rejects.toThrow(
        /timeout/i,
      );
      const frozen = new pg.Client({ ...server.clientOptions, connectionTimeoutMillis: 300 });
      await expect(frozen.connect()).rejects.toThrow(/timeout/i);
    } finally {
      await server.kill('SIGCONT');
    }
    expect(await query(server, 'select 3 as three')).toEqual([{ three: 3 }]);
    await open.end();
  }, 60_000);
});
