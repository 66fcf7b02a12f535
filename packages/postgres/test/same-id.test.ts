import { describe, expect, it } from 'vitest';
import { freshSchema, joinAs, useBackends, usePostgres } from './postgres.js';

const postgres = usePostgres();
const TTL_MS = 2000;
const { backendOf } = useBackends(postgres);
/** A backend as a new process of node-1 would make it. */
const processOf = (schema: string) => backendOf({ schema });

async function rowsOf(schema: string): Promise<Array<{ id: string; registration: string }>> {
  const { rows } = await postgres.admin().query(`select id, registration from "${schema}".election_members`);
  return rows;
}

describe('a node restarted under its own id', () => {
  it('waits out the registration its crashed process left (and the leader row it held), then joins', async () => {
    const schema = freshSchema();
    const crashed = await joinAs(processOf(schema), 'node-1', { ttlMs: TTL_MS });
    const oldToken = (await crashed.lock?.tryAcquire()) as bigint;
    const [old] = await rowsOf(schema);
    crashed.close(); // a crash: the row and the leader row stay until the row expires
    const from = performance.now();
    const restarted = await joinAs(processOf(schema), 'node-1', { ttlMs: TTL_MS });
    const waited = performance.now() - from;
    // The row was renewed at most TTL/3 before the crash: at least 2/3 of the TTL was left.
    expect(waited).toBeGreaterThan((TTL_MS * 2) / 3 - 100);
    const rows = await rowsOf(schema);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.registration).not.toBe(old?.registration);
    const token = await restarted.lock?.tryAcquire();
    expect(token).toBeGreaterThan(oldToken);
    await restarted.leave();
  }, 30_000);

  it('with takeover, deletes the previous registration at once; a live previous session loses it', async () => {
    const schema = freshSchema();
    const previous = await joinAs(processOf(schema), 'node-1', { ttlMs: TTL_MS });
    let lost: Error | undefined;
    previous.onLost((cause) => {
      lost = cause;
    });
    const from = performance.now();
    const taking = await joinAs(processOf(schema), 'node-1', { ttlMs: TTL_MS, takeover: true });
    expect(performance.now() - from).toBeLessThan(TTL_MS / 2);
    const rows = await rowsOf(schema);
    expect(rows).toHaveLength(1);
    await expect.poll(() => lost, { timeout: TTL_MS * 2 }).toBeDefined();
    expect(lost?.message).toMatch(/expired or was deleted/);
    await taking.leave();
    previous.close();
  }, 30_000);
});
