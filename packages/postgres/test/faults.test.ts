import { createElector, type Elector } from '@election/core';
import { systemClock } from '@election/core/adapter';
import { startTcpRelay, type TcpRelay } from '@election/tools';
import { afterEach, describe, expect, it } from 'vitest';
import { createPostgresMembership, type PostgresMembershipBackend } from '../src/index.js';
import { freshSchema, joinAs, usePostgres, viaPort } from './postgres.js';

const postgres = usePostgres();
const backends: PostgresMembershipBackend[] = [];
const relays: TcpRelay[] = [];
const electors: Elector[] = [];
afterEach(async () => {
  for (const elector of electors.splice(0)) await elector.stop({ resign: false });
  for (const backend of backends.splice(0)) await backend.close();
  for (const relay of relays.splice(0)) await relay.close();
});

describe('faults', () => {
  it('a connection that hangs mid-statement cannot hold the renewals past the deadline: it is dropped at the statement timeout and the renewals go on, on another connection', async () => {
    const relay = await startTcpRelay(postgres.server().port);
    relays.push(relay);
    // One connection only: were the hung one kept, every later statement would queue behind it.
    const backend = createPostgresMembership({
      poolConfig: { connectionString: viaPort(postgres.server().url, relay.port), max: 1 },
      schema: freshSchema(),
      requestTimeoutMs: 400,
    });
    backends.push(backend);
    const ttlMs = 3000;
    const session = await joinAs(backend, 'node-a', { ttlMs });
    let lost = false;
    session.onLost(() => {
      lost = true;
    });
    let failures = 0;
    session.onError(() => {
      failures += 1;
    });
    const joined = session.deadline();
    await expect.poll(() => session.deadline() > joined, { timeout: ttlMs }).toBe(true);
    relay.delay(60_000); // the server's answers stop coming: the connection hangs, it is not closed
    const hungAt = performance.now();
    // Longer than a renewal interval (TTL/3): a renewal is caught in the hang and times out.
    await expect.poll(() => performance.now() - hungAt > 1500, { timeout: 3000, interval: 50 }).toBe(true);
    expect(failures).toBeGreaterThan(0);
    relay.delay(0); // new connections answer at once; the hung one would for another minute
    const healed = systemClock.now(); // the sessions' clock: deadlines are on it
    await expect
      .poll(() => session.deadline() > healed + ttlMs / 2 || lost, { timeout: ttlMs, interval: 20 })
      .toBe(true);
    expect(lost).toBe(false);
    await session.leave();
  }, 30_000);

  it('a PostgreSQL restart on the same data dir is ridden out: same leader, same term, no new registration', async () => {
    const schema = freshSchema();
    const backend = createPostgresMembership({ connectionString: postgres.server().url, schema });
    backends.push(backend);
    const elector = createElector({ id: 'node-a', membership: backend, ttlMs: 10_000 });
    electors.push(elector);
    await elector.start();
    await expect.poll(() => elector.state.isLeader, { timeout: 10_000 }).toBe(true);
    const { term } = elector.state;
    const before = await postgres.admin().query(`select registration from "${schema}".election_members`);
    const from = performance.now();
    await postgres.server().restart(); // SIGKILL of every process, then a start on the same data dir
    // Renewed again after the restart (its expiry moves on), leading with the same term, on the
    // same registration.
    const expiry = async () =>
      (await postgres.admin().query(`select expires_at from "${schema}".election_members`)).rows[0]
        ?.expires_at;
    const restartedAt = (await expiry()) as Date;
    await expect
      .poll(async () => ((await expiry()) as Date) > restartedAt && elector.state.isLeader, {
        timeout: 10_000,
        interval: 50,
      })
      .toBe(true);
    console.log(
      `PostgreSQL restart ridden out: renewed and leading ${Math.round(performance.now() - from)} ms after the kill`,
    );
    expect(elector.state.term).toBe(term);
    const after = await postgres.admin().query(`select registration from "${schema}".election_members`);
    expect(after.rows).toEqual(before.rows);
  }, 40_000);
});
