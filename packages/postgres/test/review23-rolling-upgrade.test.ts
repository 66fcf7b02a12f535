import { afterEach, describe, expect, it } from 'vitest';
import { createPostgresMembership, type PostgresMembershipBackend } from '../src/index.js';
import { freshSchema, joinAs, until, usePostgres } from './postgres.js';
// The adapter as it was at 5d817d8 (schema version 2), copied verbatim: a node still on it.
import { createPostgresMembership as createV2 } from './support/review23-v2/index.js';

/**
 * review23: schema version 3 says its version-2 functions are "left in place, for nodes still on
 * the older adapter during a rolling upgrade" (README, Migration and grants). A version-2 node
 * checks `election_schema_version() = 2` on its first join: once a version-3 node migrated the
 * schema, a version-2 node that starts (a restart during the rollout) either refuses to join
 * (createSchema: false) or migrates the schema back to version 2 (createSchema: true), which the
 * next version-3 node then migrates again, and so on.
 */
const postgres = usePostgres();
const backends: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const backend of backends.splice(0)) await backend.close();
});

function v3(schema: string, createSchema = true): PostgresMembershipBackend {
  const backend = createPostgresMembership({ connectionString: postgres.server().url, schema, createSchema });
  backends.push(backend);
  return backend;
}

function v2(schema: string, createSchema = true): PostgresMembershipBackend {
  const backend = createV2({ connectionString: postgres.server().url, schema, createSchema }) as never;
  backends.push(backend);
  return backend;
}

async function schemaVersion(schema: string): Promise<number> {
  const { rows } = await postgres.admin().query(`select "${schema}".election_schema_version() as v`);
  return rows[0].v;
}

describe('review23: a rolling upgrade from schema version 2 to 3', () => {
  it('a version-2 node (createSchema: false) restarted after the version-3 migration still joins', async () => {
    const schema = freshSchema();
    const old = await joinAs(v2(schema), 'node-1');
    const upgraded = await joinAs(v3(schema), 'node-2');
    expect(await schemaVersion(schema)).toBe(3);
    // node-3 still runs the older adapter, as the DBA-managed deployment does (createSchema: false).
    const outcome = await joinAs(v2(schema, false), 'node-3').then(
      (session) => session,
      (error: Error) => error,
    );
    expect(outcome instanceof Error ? outcome.message : 'joined').toBe('joined');
    await old.leave();
    await upgraded.leave();
    if (!(outcome instanceof Error)) await outcome.leave();
  }, 30_000);

  it('a version-2 node (createSchema: true) restarted after the version-3 migration leaves the schema at version 3', async () => {
    const schema = freshSchema();
    const upgraded = await joinAs(v3(schema), 'node-2');
    expect(await schemaVersion(schema)).toBe(3);
    const old = await joinAs(v2(schema), 'node-1');
    // The next version-3 node would find version 2 and run the migration again.
    expect(await schemaVersion(schema)).toBe(3);
    await old.leave();
    await upgraded.leave();
  }, 30_000);
  it('(sound) a version-2 node already running keeps renewing, leading and leaving after the version-3 migration', async () => {
    const schema = freshSchema();
    const old = await joinAs(v2(schema), 'node-1');
    let lost: Error | undefined;
    old.onLost((cause) => {
      lost = cause;
    });
    const upgraded = await joinAs(v3(schema), 'node-2');
    expect(await schemaVersion(schema)).toBe(3);
    const renewals: number[] = [];
    old.onRenewal?.((renewal) => renewals.push(renewal.sentAt));
    await until(async () => renewals.length >= 2, 'two renewals of the version-2 node', 5_000);
    const token = await old.lock?.tryAcquire();
    expect(typeof token).toBe('bigint');
    expect(await upgraded.lock?.tryAcquire()).toBeNull();
    await old.leave();
    expect(lost).toBeUndefined();
    expect(typeof (await upgraded.lock?.tryAcquire())).toBe('bigint');
    await upgraded.leave();
  }, 30_000);
});
