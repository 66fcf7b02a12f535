import {
  type Logger,
  type MembershipBackend,
  type MembershipSession,
  silentLogger,
  systemClock,
} from '@election/core/adapter';
import { type PostgresServer, startPostgres } from '@election/tools';
import pg from 'pg';
import * as vitest from 'vitest';
import {
  createPostgresMembership,
  type PostgresMembershipBackend,
  type PostgresMembershipOptions,
} from '../src/index.js';

/**
 * This file's PostgreSQL: one real server per test file (started in beforeAll, stopped in
 * afterAll), and an admin pool on it. `database()` is read inside tests and hooks only.
 */
export function usePostgres(options: Parameters<typeof startPostgres>[0] = {}): {
  server(): PostgresServer;
  admin(): pg.Pool;
} {
  let server: PostgresServer | undefined;
  let admin: pg.Pool | undefined;
  vitest.beforeAll(async () => {
    server = await startPostgres({ external: false, ...options });
    admin = new pg.Pool({ ...server.clientOptions, max: 2 });
    admin.on('error', () => {});
  }, 60_000);
  vitest.afterAll(async () => {
    await admin?.end();
    await server?.stop();
  });
  return {
    server: () => server as PostgresServer,
    admin: () => admin as pg.Pool,
  };
}

/**
 * Backends on `postgres`'s server (its connection string, then `options`), each closed after the
 * test that made it.
 */
export function useBackends(postgres: ReturnType<typeof usePostgres>): {
  backendOf(options?: Partial<PostgresMembershipOptions>): PostgresMembershipBackend;
} {
  const backends: PostgresMembershipBackend[] = [];
  vitest.afterEach(async () => {
    for (const backend of backends.splice(0)) await backend.close();
  });
  return {
    backendOf(options = {}) {
      const backend = createPostgresMembership({ connectionString: postgres.server().url, ...options });
      backends.push(backend);
      return backend;
    },
  };
}

/** A client of its own on `postgres`'s server for the whole file (connected before its tests, ended after). */
export function useClient(postgres: ReturnType<typeof usePostgres>): () => pg.Client {
  let client: pg.Client | undefined;
  vitest.beforeAll(async () => {
    client = new pg.Client(postgres.server().clientOptions);
    await client.connect();
  });
  vitest.afterAll(async () => {
    await client?.end();
  });
  return () => client as pg.Client;
}

/** A schema of its own for one test: its elections share nothing with another test's. */
export function freshSchema(): string {
  return `t_${crypto.randomUUID().replaceAll('-', '').slice(0, 24)}`;
}

/** `url` with its port replaced (a relay in front of the server). */
export function viaPort(url: string, port: number): string {
  const next = new URL(url);
  next.port = String(port);
  return next.toString();
}

/** Joins `backend` as `id` in real time, as core would (`takeover` when asked). */
export function joinAs(
  backend: MembershipBackend,
  id: string,
  options: { readonly takeover?: boolean; readonly signal?: AbortSignal; readonly ttlMs?: number } = {},
): Promise<MembershipSession> {
  const { takeover = false, signal = new AbortController().signal, ttlMs = 2000 } = options;
  return backend.join({ member: { id }, ttlMs, clock: systemClock, logger: silentLogger, signal, takeover });
}

/** Polls `condition` every 20 ms until it holds; fails past `withinMs` naming `what`. */
export async function until(
  condition: () => Promise<boolean>,
  what: string,
  withinMs = 10_000,
): Promise<void> {
  const end = Date.now() + withinMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`not within ${withinMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A logger that keeps its info lines. */
export function recordingLogger(): Logger & { readonly lines: string[] } {
  const lines: string[] = [];
  const ignore = () => {};
  const logger = {
    lines,
    debug: ignore,
    warn: ignore,
    error: ignore,
    info: (a: unknown, b?: unknown) => void lines.push(String(typeof a === 'string' ? a : b)),
    child: () => logger,
  };
  return logger;
}

/** The pid of the one listening connection on the server `admin` reaches (throws unless exactly one). */
export async function listenerPid(admin: pg.Pool): Promise<number> {
  const { rows } = await admin.query(
    `select pid from pg_stat_activity where query ilike 'listen %' and pid <> pg_backend_pid()`,
  );
  if (rows.length !== 1) throw new Error(`expected one listening connection, found ${rows.length}`);
  return rows[0].pid;
}
