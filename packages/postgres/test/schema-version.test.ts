import { ConfigurationError } from '@election/core';
import { describe, expect, it } from 'vitest';
import { migrationSql } from '../src/index.js';
import { SCHEMA_VERSION } from '../src/sql.js';
import { freshSchema, joinAs, useBackends, usePostgres } from './postgres.js';

/**
 * A migration only adds overloads, never drops one: an adapter works on a schema of its version or
 * newer, and never migrates a newer one down, so a rolling upgrade from this version on works
 * whether the nodes still on it start with createSchema: true or false. Regression (review23 F2):
 * the adapter required its version exactly, so an older node refused a newer schema
 * (createSchema: false) or migrated it back down (createSchema: true).
 */
const postgres = usePostgres();
const { backendOf } = useBackends(postgres);
const processOf = (schema: string, createSchema: boolean) => backendOf({ schema, createSchema });

async function schemaVersion(schema: string): Promise<number> {
  const { rows } = await postgres.admin().query(`select "${schema}".election_schema_version() as v`);
  return rows[0].v;
}

/** What a migration of version `version` would leave as the schema's version (its functions aside). */
async function setVersion(schema: string, version: number): Promise<void> {
  await postgres
    .admin()
    .query(
      `create or replace function "${schema}".election_schema_version() returns int language sql as $fn$ select ${version} $fn$`,
    );
}

describe('the schema version an adapter accepts', () => {
  it('a newer schema is used as is, with createSchema: true or false, and never migrated down', async () => {
    const schema = freshSchema();
    await (await joinAs(processOf(schema, true), 'migrator')).leave(); // runs this version's migration
    expect(await schemaVersion(schema)).toBe(SCHEMA_VERSION);
    await setVersion(schema, SCHEMA_VERSION + 1); // a newer node migrated it
    const creating = await joinAs(processOf(schema, true), 'node-1');
    const managed = await joinAs(processOf(schema, false), 'node-2');
    const token = await managed.lock?.tryAcquire();
    expect(typeof token).toBe('bigint');
    expect(await creating.lock?.tryAcquire()).toBeNull();
    await managed.leave();
    await creating.leave();
    expect(await schemaVersion(schema)).toBe(SCHEMA_VERSION + 1);
  }, 30_000);

  it("this version's migration run after a newer one leaves the newer version", async () => {
    const schema = freshSchema();
    await postgres.server().psql(migrationSql(schema));
    expect(await schemaVersion(schema)).toBe(SCHEMA_VERSION);
    await setVersion(schema, SCHEMA_VERSION + 1);
    await postgres.server().psql(migrationSql(schema)); // a node that read the older version just before
    expect(await schemaVersion(schema)).toBe(SCHEMA_VERSION + 1);
    await setVersion(schema, SCHEMA_VERSION - 1);
    await postgres.server().psql(migrationSql(schema)); // an older schema is still migrated up
    expect(await schemaVersion(schema)).toBe(SCHEMA_VERSION);
  }, 30_000);

  it('an older schema with createSchema: false: a ConfigurationError that says to run the migration', async () => {
    const schema = freshSchema();
    await (await joinAs(processOf(schema, true), 'migrator')).leave();
    await setVersion(schema, SCHEMA_VERSION - 1);
    const error = await joinAs(processOf(schema, false), 'node-1').then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `holds the election functions of version ${SCHEMA_VERSION - 1}, this adapter needs ${SCHEMA_VERSION} or newer: run the migration of the README, or set createSchema: true`,
      ),
    );
  }, 30_000);
});
