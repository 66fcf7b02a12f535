/**
 * Starts a real PostgreSQL (Debian's postgresql-15) for tests and benchmarks, in the launchers'
 * common shape (`TestServer`): a fresh cluster (`initdb`) in a temp dir, `postgres` listening on a
 * free port of 127.0.0.1 only, its socket in that temp dir, stopped by pid. PostgreSQL refuses to
 * run as root: when this process is root, `initdb` and `postgres` run as the `postgres` user.
 * `POSTGRES_URL` points everything at an existing server instead (not controllable).
 *
 *   const postgres = await startPostgres({ auth: true });
 *   ... postgres.url, postgres.clientOptions, await postgres.psql('select 1') ...
 *   await postgres.kill('SIGSTOP'); await postgres.kill('SIGCONT'); await postgres.restart();
 *   await postgres.stop();
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  externalControls,
  onFreePorts,
  type ServerProcess,
  serverControls,
  spawnServer,
  type TestServer,
  waitUntilReady,
} from './server-process.js';

const run = promisify(execFile);

export interface StartPostgresOptions {
  /** Reuse a data dir (initdb runs only when it holds no cluster; it is not deleted on stop). */
  readonly dataDir?: string;
  /** The superuser gets a generated password and TCP logins need it (scram-sha-256). Default: trust. */
  readonly auth?: boolean;
  /** How long to wait for PostgreSQL to accept connections, ms. Default 30000. */
  readonly startTimeoutMs?: number;
  /** Where `initdb`, `postgres`, `pg_isready` and `psql` are. Default: POSTGRES_BINDIR, else `pg_config --bindir`. */
  readonly binDir?: string;
  /** Use the server named by POSTGRES_URL when that is set; false always starts one. Default true. */
  readonly external?: boolean;
  /**
   * Flush the WAL at each commit (PostgreSQL's defaults), as a production server does, for
   * benchmarks that compare commit latency with etcd's (which fsyncs its WAL). Default false: a
   * throwaway cluster runs with `fsync=off`.
   */
  readonly durable?: boolean;
}

/** Connection options in the shape `pg`'s Client and Pool take. */
export interface PostgresClientOptions {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
  readonly password?: string;
}

export interface PostgresServer extends TestServer {
  /** `postgres://postgres[:password]@127.0.0.1:<port>/postgres`: the superuser on the default database. */
  readonly url: string;
  readonly port: number;
  readonly clientOptions: PostgresClientOptions;
  /** The postmaster's pid while it runs (undefined when stopped or external). */
  readonly pid: number | undefined;
  /** Runs `sql` with psql as the superuser (stops at the first error); resolves with its output. */
  psql(sql: string): Promise<string>;
}

const SUPERUSER = 'postgres';
const DATABASE = 'postgres';
/** psql runs `sql` quietly, unaligned, tuples only, without ~/.psqlrc, stopping at the first error. */
const psqlArgs = (sql: string) => ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql];

/** What a client needs to log in, besides where. */
export type PostgresLogin = Pick<PostgresClientOptions, 'user' | 'database' | 'password'>;

/**
 * Where a launched server that speaks PostgreSQL's protocol on 127.0.0.1 (PostgreSQL, pgbouncer)
 * is, as getters: the port and the process can change (a restart).
 */
export function endpointOf(
  login: PostgresLogin,
  port: () => number,
  current: () => ServerProcess | undefined,
): Pick<PostgresServer, 'url' | 'port' | 'clientOptions' | 'pid'> {
  const { user, database, password } = login;
  return {
    get url() {
      const secret = password === undefined ? '' : `:${encodeURIComponent(password)}`;
      return `postgres://${user}${secret}@127.0.0.1:${port()}/${database}`;
    },
    get port() {
      return port();
    },
    get clientOptions() {
      return {
        host: '127.0.0.1',
        port: port(),
        user,
        database,
        ...(password === undefined ? {} : { password }),
      };
    },
    get pid() {
      const server = current();
      return server && !server.hasExited() ? server.child.pid : undefined;
    },
  };
}

/** Where the PostgreSQL binaries are: POSTGRES_BINDIR, else what `pg_config --bindir` says. */
export async function postgresBinDir(): Promise<string> {
  if (process.env.POSTGRES_BINDIR) return process.env.POSTGRES_BINDIR;
  const { stdout } = await run('pg_config', ['--bindir']).catch((error: unknown) => {
    throw new Error(`pg_config not found: install postgresql-15 (apt) or set POSTGRES_BINDIR (${error})`);
  });
  return stdout.trim();
}

/** The uid and gid to run the server as: the `postgres` user when this process is root. */
export async function serverUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const id = async (flag: string) => Number((await run('id', [flag, SUPERUSER])).stdout.trim());
  return { uid: await id('-u'), gid: await id('-g') };
}

export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const fromEnv = process.env.POSTGRES_URL;
  if (fromEnv && options.external !== false && !options.auth) return externalPostgres(fromEnv);
  const binDir = options.binDir ?? (await postgresBinDir());
  const user = await serverUser();
  const workDir = mkdtempSync(join(tmpdir(), 'election-postgres-'));
  const dataDir = options.dataDir ?? join(workDir, 'data');
  const socketDir = join(workDir, 'socket');
  mkdirSync(socketDir);
  if (user) for (const dir of [workDir, socketDir]) chownSync(dir, user.uid, user.gid);
  const password = options.auth ? `pw-${process.pid}-${Date.now()}` : undefined;
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
  const asServer = user ? { uid: user.uid, gid: user.gid } : {};

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    const args = ['-D', dataDir, '-U', SUPERUSER, '-E', 'UTF8', '--no-sync', '--no-instructions'];
    args.push('--auth-local=trust', `--auth-host=${password ? 'scram-sha-256' : 'trust'}`);
    if (password) {
      const passwordFile = join(workDir, 'password');
      writeFileSync(passwordFile, password, { mode: 0o600 });
      if (user) chownSync(passwordFile, user.uid, user.gid);
      args.push(`--pwfile=${passwordFile}`);
    }
    await run(join(binDir, 'initdb'), args, { env, ...asServer }).catch((error: { stderr?: string }) => {
      rmSync(workDir, { recursive: true, force: true });
      throw new Error(`initdb failed: ${error.stderr ?? error}`);
    });
  }

  let port = 0;
  let server: ServerProcess | undefined;
  let stopped = false;
  const clientEnv = () => ({ ...env, ...(password ? { PGPASSWORD: password } : {}) });
  const connection = () => ['-h', '127.0.0.1', '-p', String(port), '-U', SUPERUSER, '-d', DATABASE];

  const launch = async (): Promise<void> => {
    // -h: TCP on 127.0.0.1 only; -k: the Unix socket in the temp dir, not /var/run/postgresql.
    const args = ['-D', dataDir, '-h', '127.0.0.1', '-p', String(port), '-k', socketDir];
    // A throwaway cluster: nothing to keep through a machine crash (a process crash loses nothing).
    if (!options.durable) args.push('-c', 'fsync=off', '-c', 'full_page_writes=off');
    args.push('-c', 'log_min_messages=warning');
    server = spawnServer(join(binDir, 'postgres'), args, { env, group: true, ...asServer });
    const ready = async () => {
      await run(join(binDir, 'pg_isready'), [...connection(), '-t', '1'], { env: clientEnv() });
      return true;
    };
    await waitUntilReady(server, ready, `PostgreSQL on 127.0.0.1:${port}`, options.startTimeoutMs ?? 30_000);
  };

  /** Fast shutdown (SIGINT: sessions are ended, the postmaster exits last); SIGKILL if it hangs. */
  const shutDown = async (): Promise<void> => {
    const current = server;
    if (!current || current.hasExited()) return;
    const slow = setTimeout(() => void current.kill('SIGKILL'), 10_000);
    await current.kill('SIGINT');
    clearTimeout(slow);
  };

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await shutDown();
    rmSync(workDir, { recursive: true, force: true });
  };

  try {
    await onFreePorts(1, async ([free]) => {
      port = free as number;
      await launch();
    });
  } catch (error) {
    await stop();
    throw error;
  }

  return Object.assign(
    endpointOf(
      { user: SUPERUSER, database: DATABASE, password },
      () => port,
      () => server,
    ),
    serverControls({
      name: 'PostgreSQL',
      dataDir,
      current: () => server,
      launch,
      stopped: () => stopped,
      stop,
    }),
    {
      async psql(sql: string) {
        const { stdout } = await run(join(binDir, 'psql'), [...connection(), ...psqlArgs(sql)], {
          env: clientEnv(),
        });
        return stdout;
      },
    },
  );
}
/** The server POSTGRES_URL names: usable, but not killed, restarted or stopped by tests. */
function externalPostgres(url: string): PostgresServer {
  const parsed = new URL(url);
  const reason = 'POSTGRES_URL is set: this test needs a PostgreSQL it starts itself (to kill or restart it)';
  const port = Number(parsed.port || 5432);
  return {
    url,
    port,
    clientOptions: {
      host: parsed.hostname,
      port,
      user: decodeURIComponent(parsed.username) || SUPERUSER,
      database: parsed.pathname.slice(1) || DATABASE,
      ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    },
    pid: undefined,
    ...externalControls(reason),
    psql: async (sql) => {
      const psql = join(await postgresBinDir(), 'psql');
      return (await run(psql, [url, ...psqlArgs(sql)])).stdout;
    },
  };
}
