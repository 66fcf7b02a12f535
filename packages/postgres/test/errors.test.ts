import { inspect } from 'node:util';
import { BackendUnavailableError, ConfigurationError } from '@election/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresMembership, grantsSql, migrationSql } from '../src/index.js';
import { freshSchema, joinAs, usePostgres } from './postgres.js';

// A server that checks passwords (scram-sha-256), and a second login role without privileges.
const postgres = usePostgres({ auth: true });
const APP_PASSWORD = 'app-pw-0123456789';
const opened: Array<{ close(): Promise<void> }> = [];
afterAll(async () => {
  for (const backend of opened) await backend.close();
});

function urlAs(user: string, password: string, database = 'postgres'): string {
  const url = new URL(postgres.server().url);
  url.username = user;
  url.password = password;
  url.pathname = `/${database}`;
  return url.toString();
}

/** What join() rejects with, on a backend with these options. */
async function joinError(options: Parameters<typeof createPostgresMembership>[0]): Promise<Error> {
  const backend = createPostgresMembership({ requestTimeoutMs: 3000, ...options });
  opened.push(backend);
  return joinAs(backend, 'node-1').then(
    () => {
      throw new Error('join() succeeded');
    },
    (error: Error) => error,
  );
}

/** Neither the message nor anything a logger would print of it holds `secret`. */
function expectMasked(error: Error, secret: string): void {
  expect(error.message).not.toContain(secret);
  expect(inspect(error, { depth: 5 })).not.toContain(secret);
  expect(JSON.stringify(error)).not.toContain(secret);
}

async function createAppRole(role: string): Promise<void> {
  await postgres.admin().query(`create role ${role} login password '${APP_PASSWORD}'`);
}

describe('errors that say what to change', () => {
  it('a wrong password: a ConfigurationError naming the login, never the password', async () => {
    const wrong = 'wrong-password-4711';
    const error = await joinError({ connectionString: urlAs('postgres', wrong), schema: freshSchema() });
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toMatch(/password authentication failed.*Check the user and password/);
    expect(error.message).toMatch(/^\[postgres\] Could not connect and check the schema/);
    expectMasked(error, wrong);
  }, 30_000);

  it('a database that does not exist, and a port where nothing listens', async () => {
    const { password } = postgres.server().clientOptions as { password: string };
    const missing = await joinError({
      connectionString: urlAs('postgres', password, 'nope'),
      schema: freshSchema(),
    });
    expect(missing).toBeInstanceOf(ConfigurationError);
    expect(missing.message).toMatch(/database "nope" does not exist.*Check the database name/);
    expectMasked(missing, password);
    const closed = await joinError({
      connectionString: 'postgres://u:hidden-pw@127.0.0.1:1/db',
      schema: freshSchema(),
    });
    expect(closed).toBeInstanceOf(BackendUnavailableError);
    expect(closed.message).toMatch(/ECONNREFUSED/);
    expectMasked(closed, 'hidden-pw');
  }, 30_000);

  it('a user that may not create the schema: a ConfigurationError pointing at the grants', async () => {
    await createAppRole('app_nocreate');
    const error = await joinError({
      connectionString: urlAs('app_nocreate', APP_PASSWORD),
      schema: freshSchema(),
    });
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toMatch(/permission denied.*Grant the user what the adapter needs/);
    expectMasked(error, APP_PASSWORD);
  }, 30_000);

  it('createSchema: false on a schema never migrated: says to run the migration', async () => {
    const { password } = postgres.server().clientOptions as { password: string };
    const error = await joinError({
      connectionString: urlAs('postgres', password),
      schema: freshSchema(),
      createSchema: false,
    });
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toMatch(/run the migration of the README, or set createSchema: true/);
  }, 30_000);

  it('the migration and its grants let a user without DDL rights elect; without the grants it is told what to grant', async () => {
    const schema = freshSchema();
    await createAppRole('app_migrated');
    await createAppRole('app_ungranted');
    await postgres.server().psql(migrationSql(schema));
    await postgres.server().psql(grantsSql(schema, 'app_migrated'));
    const refused = await joinError({
      connectionString: urlAs('app_ungranted', APP_PASSWORD),
      schema,
      createSchema: false,
    });
    expect(refused).toBeInstanceOf(ConfigurationError);
    expect(refused.message).toMatch(/permission denied.*Grant the user/);
    const backend = createPostgresMembership({
      connectionString: urlAs('app_migrated', APP_PASSWORD),
      schema,
      createSchema: false,
    });
    opened.push(backend);
    const session = await joinAs(backend, 'node-1');
    const token = await session.lock?.tryAcquire();
    expect(typeof token).toBe('bigint');
    await session.lock?.release(token as bigint);
    await session.leave();
    const rows = await postgres.admin().query(`select count(*)::int as n from "${schema}".election_members`);
    expect(rows.rows[0].n).toBe(0);
  }, 30_000);
});
