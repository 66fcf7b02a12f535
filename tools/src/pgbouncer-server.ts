/**
 * Starts a real pgbouncer (Debian's `pgbouncer`, 1.18 tested) in front of a PostgreSQL of
 * `startPostgres`, in the launchers' common shape (`TestServer`): its config in a temp dir,
 * listening on a free port of 127.0.0.1 only (no Unix socket), pooling in `transaction` mode by
 * default, stopped by pid. pgbouncer refuses to run as root: when this process is root it runs as
 * the `postgres` user. Clients log in with the PostgreSQL's own user and password; pgbouncer
 * checks them against its auth_file (the plain password, so it can also log in to the server with
 * it: pgbouncer's docs, "Authentication file format").
 *
 *   const postgres = await startPostgres({ auth: true });
 *   const bouncer = await startPgbouncer({ postgres });
 *   ... bouncer.url, bouncer.clientOptions ...
 *   await bouncer.stop(); await postgres.stop();
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findOnPath } from './etcd-tools.js';
import {
  endpointOf,
  type PostgresClientOptions,
  type PostgresServer,
  postgresBinDir,
  serverUser,
} from './postgres-server.js';
import {
  onFreePorts,
  type ServerProcess,
  serverControls,
  spawnServer,
  type TestServer,
  waitUntilReady,
} from './server-process.js';

const run = promisify(execFile);

export interface StartPgbouncerOptions {
  /** The PostgreSQL it pools connections to (started by `startPostgres`). */
  readonly postgres: PostgresServer;
  /** pgbouncer's pool_mode. Default `transaction`. */
  readonly poolMode?: 'session' | 'transaction' | 'statement';
  /** Server connections per user and database (default_pool_size). Default 20 (pgbouncer's). */
  readonly poolSize?: number;
  /** The pgbouncer binary. Default: PGBOUNCER_BINARY, else `pgbouncer` on PATH or in /usr/sbin. */
  readonly binary?: string;
  /** How long to wait for pgbouncer to accept connections, ms. Default 10000. */
  readonly startTimeoutMs?: number;
}

export interface PgbouncerServer extends TestServer {
  /** `postgres://user[:password]@127.0.0.1:<port>/<database>`: the PostgreSQL's login, through pgbouncer. */
  readonly url: string;
  readonly port: number;
  readonly clientOptions: PostgresClientOptions;
  /** pgbouncer's pid while it runs (undefined when stopped). */
  readonly pid: number | undefined;
}

/** Where the pgbouncer binary is: PGBOUNCER_BINARY, PATH, then Debian's /usr/sbin. */
export function pgbouncerBinary(): string {
  const debian = '/usr/sbin/pgbouncer'; // not on a non-root user's PATH
  const found =
    process.env.PGBOUNCER_BINARY ?? findOnPath('pgbouncer') ?? (existsSync(debian) ? debian : undefined);
  if (found === undefined)
    throw new Error(
      'pgbouncer not found: install it (Debian: apt-get install pgbouncer) or set PGBOUNCER_BINARY',
    );
  return found;
}

/** An ini value pgbouncer reads as one string (its config parser takes double quotes). */
const quoted = (value: string | number) => `"${String(value).replaceAll('"', '""')}"`;

export async function startPgbouncer(options: StartPgbouncerOptions): Promise<PgbouncerServer> {
  const { postgres } = options;
  const binary = options.binary ?? pgbouncerBinary();
  const user = await serverUser();
  const workDir = mkdtempSync(join(tmpdir(), 'election-pgbouncer-'));
  if (user) chownSync(workDir, user.uid, user.gid);
  const target = postgres.clientOptions;
  const configFile = join(workDir, 'pgbouncer.ini');
  const authFile = join(workDir, 'users.txt');
  const asServer = user ? { uid: user.uid, gid: user.gid } : {};
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };

  let port = 0;
  let server: ServerProcess | undefined;
  let stopped = false;

  const writeConfig = () => {
    const database = [
      `host=${target.host}`,
      `port=${target.port}`,
      `dbname=${target.database}`,
      `user=${target.user}`,
    ].join(' ');
    const ini = [
      '[databases]',
      `${target.database} = ${database}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      // Empty: no Unix socket (the default, /tmp, is shared with every other test).
      'unix_socket_dir =',
      `auth_type = ${target.password === undefined ? 'trust' : 'scram-sha-256'}`,
      `auth_file = ${authFile}`,
      `pool_mode = ${options.poolMode ?? 'transaction'}`,
      `default_pool_size = ${options.poolSize ?? 20}`,
      'max_client_conn = 1000',
      'log_connections = 0',
      'log_disconnections = 0',
      '',
    ].join('\n');
    for (const [file, text] of [
      [configFile, ini],
      [authFile, `${quoted(target.user)} ${quoted(target.password ?? '')}\n`],
    ] as const) {
      writeFileSync(file, text, { mode: 0o600 });
      if (user) chownSync(file, user.uid, user.gid);
    }
  };

  const launch = async (): Promise<void> => {
    server = spawnServer(binary, [configFile], { env, ...asServer });
    const isReady = join(await postgresBinDir(), 'pg_isready');
    const ready = async () => {
      const args = ['-h', '127.0.0.1', '-p', String(port), '-U', target.user, '-d', target.database];
      await run(isReady, [...args, '-t', '1'], { env });
      return true;
    };
    await waitUntilReady(server, ready, `pgbouncer on 127.0.0.1:${port}`, options.startTimeoutMs ?? 10_000);
  };

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    // SIGINT: pgbouncer's "safe shutdown"; SIGTERM: immediate (its docs, "Signals"). Tests want it gone.
    await server?.kill('SIGTERM');
    rmSync(workDir, { recursive: true, force: true });
  };

  try {
    await onFreePorts(1, async ([free]) => {
      port = free as number;
      writeConfig();
      await launch();
    });
  } catch (error) {
    await stop();
    throw error;
  }

  return Object.assign(
    endpointOf(
      target,
      () => port,
      () => server,
    ),
    serverControls({
      name: 'pgbouncer',
      dataDir: workDir,
      current: () => server,
      launch,
      stopped: () => stopped,
      stop,
    }),
  );
}
