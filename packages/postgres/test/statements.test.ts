import fc from 'fast-check';
import type pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { migrationSql } from '../src/index.js';
import { Statements } from '../src/statements.js';
import { freshSchema, usePostgres } from './postgres.js';

// The SQL functions against a model of what they promise, on a real PostgreSQL: random sequences
// of register, renew, expire, leave, acquire, release, transfer and update, each checked against
// the model's answer, and every read against the model's view. The TTL is long: expiry is a
// command (the row's expires_at set in the past), so runs do not depend on timing.
const postgres = usePostgres();
const schema = freshSchema();
const TTL_MS = 600_000;
const IDS = ['a', 'b'] as const;
type Id = (typeof IDS)[number];
let pool: pg.Pool;
/** Commands run, over all runs. */
let executed = 0;
beforeAll(async () => {
  await postgres.server().psql(migrationSql(schema));
  pool = postgres.admin();
});

interface Column {
  readonly registration: string;
  readonly token: bigint;
  readonly handed: boolean;
}

class Model {
  /** Live registrations by id (their renewal counts). */
  readonly live = new Map<Id, { registration: string; renewals: number }>();
  /** Every registration ever made, by number, with its id: stale ones are used by later commands. */
  readonly made: Array<{ id: Id; registration: string }> = [];
  /** The leader row as stored; it counts only while its registration is live. */
  column: Column | null = null;
  maxToken = 0n;
  lastVersion = 0n;

  isLive(registration: string): boolean {
    return [...this.live.values()].some((row) => row.registration === registration);
  }
  idOf(registration: string): Id {
    return this.made.find((row) => row.registration === registration)?.id as Id;
  }
  /** A registration of `id` to use: its live one, else its latest stale one, else a made-up one. */
  registrationOf(id: Id): string {
    return (
      this.live.get(id)?.registration ??
      this.made.findLast((row) => row.id === id)?.registration ??
      '999999999'
    );
  }
  newToken(token: bigint): void {
    expect(token).toBeGreaterThan(this.maxToken);
    expect(token).toBeGreaterThan(this.lastVersion);
    this.maxToken = token;
  }
}

interface Real {
  readonly statements: Statements;
  readonly election: string;
}
type Command = fc.AsyncCommand<Model, Real>;
const command = (label: string, run: (model: Model, real: Real) => Promise<void>): Command => ({
  check: () => true,
  run,
  toString: () => label,
});

const id = fc.constantFrom(...IDS);
const commands = [
  id.map((who) =>
    command(`register(${who})`, async (model, { statements }) => {
      const answer = await statements.register(who, JSON.stringify({ id: who }), TTL_MS);
      const held = model.live.get(who);
      if (held) {
        expect(answer).toEqual({ heldBy: held.registration });
        return;
      }
      if (!('registration' in answer)) throw new Error(`register(${who}) answered ${JSON.stringify(answer)}`);
      expect(BigInt(answer.registration)).toBeGreaterThan(model.lastVersion);
      model.lastVersion = BigInt(answer.registration);
      model.live.set(who, { registration: answer.registration, renewals: 0 });
      model.made.push({ id: who, registration: answer.registration });
      if (model.column && !model.isLive(model.column.registration)) model.column = null;
    }),
  ),
  id.map((who) =>
    command(`renew(${who})`, async (model, { statements }) => {
      const registration = model.registrationOf(who);
      const alive = model.isLive(registration);
      expect(await statements.renew(registration, TTL_MS)).toBe(alive);
      if (alive) (model.live.get(who) as { renewals: number }).renewals += 1;
      const renewals = await statements.renewals(registration);
      expect(renewals).toBe(alive ? String(model.live.get(who)?.renewals) : undefined);
    }),
  ),
  id.map((who) =>
    command(`expire(${who})`, async (model, { election }) => {
      const row = model.live.get(who);
      if (!row) return;
      await pool.query(
        `update "${schema}".election_members set expires_at = clock_timestamp() - interval '1 ms' where election = $1 and registration = $2`,
        [election, row.registration],
      );
      model.live.delete(who);
    }),
  ),
  id.map((who) =>
    command(`leave(${who})`, async (model, { statements }) => {
      const registration = model.registrationOf(who);
      await statements.deregister(registration);
      if (model.live.get(who)?.registration === registration) model.live.delete(who);
      if (model.column?.registration === registration) model.column = null;
    }),
  ),
  id.map((who) =>
    command(`acquire(${who})`, async (model, { statements }) => {
      const registration = model.registrationOf(who);
      const answer = await statements.acquire(registration);
      const { column } = model;
      if (!model.isLive(registration)) expect(answer).toEqual({ gone: true });
      else if (column?.registration === registration) expect(answer).toEqual({ token: column.token });
      else if (column && model.isLive(column.registration)) expect(answer).toEqual({ heldBy: column.token });
      else {
        if (!('token' in answer)) throw new Error(`acquire(${who}) of a free lock answered ${answer}`);
        model.newToken(answer.token);
        model.lastVersion = answer.token;
        model.column = { registration, token: answer.token, handed: false };
      }
    }),
  ),
  fc.tuple(id, fc.boolean()).map(([who, stale]) =>
    command(`release(${who}, ${stale ? 'stale' : 'current'} token)`, async (model, { statements }) => {
      const registration = model.registrationOf(who);
      const token = stale || !model.column ? model.maxToken - 1n : model.column.token;
      const version = await statements.release(registration, token);
      if (model.column?.registration === registration && model.column.token === token) {
        expect(version).not.toBeNull();
        model.lastVersion = version as bigint;
        model.column = null;
      } else expect(version).toBeNull();
    }),
  ),
  fc.tuple(id, id, fc.boolean()).map(([who, to, stale]) =>
    command(
      `transfer(${who} → ${to}, ${stale ? 'stale' : 'current'} token)`,
      async (model, { statements }) => {
        const registration = model.registrationOf(who);
        const token = stale || !model.column ? model.maxToken - 1n : model.column.token;
        const handed = await statements.transfer(registration, token, to);
        const successor = model.live.get(to);
        const { column } = model;
        if (
          column?.registration === registration &&
          column.token === token &&
          model.isLive(registration) &&
          successor
        ) {
          if (handed === null) throw new Error('a transfer whose conditions hold answered null');
          model.newToken(handed);
          model.lastVersion = handed;
          model.column = { registration: successor.registration, token: handed, handed: true };
        } else expect(handed).toBeNull();
      },
    ),
  ),
  id.map((who) =>
    command(`update(${who})`, async (model, { statements }) => {
      const registration = model.registrationOf(who);
      const done = await statements.update(registration, JSON.stringify({ id: who, priority: 1 }));
      expect(done).toBe(model.isLive(registration));
    }),
  ),
];

/** Every command ends with a read, checked against the model's view. */
async function checkRead(model: Model, { statements }: Real): Promise<void> {
  const state = await statements.read();
  expect(state.version).toBeGreaterThanOrEqual(model.lastVersion);
  expect(state.version).toBeGreaterThanOrEqual(model.maxToken);
  model.lastVersion = state.version;
  expect((state.rows as Array<{ id: string }>).map((row) => row.id).sort()).toEqual(
    [...model.live.keys()].sort(),
  );
  const { column } = model;
  const leader = column && model.isLive(column.registration) ? column : null;
  expect(state.leader).toEqual(
    leader && {
      id: model.idOf(leader.registration),
      registration: leader.registration,
      token: leader.token,
      ...(leader.handed ? { handed: true } : {}),
    },
  );
}

describe('the statements against their model', () => {
  it('register, renew, expire, leave, acquire, release, transfer and update answer as the model says', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 60, size: 'max' }), async (cmds) => {
        const election = `run-${crypto.randomUUID()}`;
        const real = { statements: new Statements(pool, schema, election, 5000), election };
        const model = new Model();
        const checked = [...cmds].map((cmd) =>
          command(cmd.toString(), async (m, r) => {
            executed += 1;
            await cmd.run(m, r);
            await checkRead(m, r);
          }),
        );
        await fc.asyncModelRun(() => ({ model, real }), checked);
      }),
      { numRuns: 200 },
    );
    expect(executed).toBeGreaterThan(2000); // long sequences: a bug needs a few steps to show
  }, 120_000);

  it('of concurrent acquisitions of a free lock, exactly one gets a token; the others see its holding', async () => {
    const election = `race-${crypto.randomUUID()}`;
    const statements = new Statements(pool, schema, election, 5000);
    const registrations: string[] = [];
    for (const who of ['a', 'b', 'c', 'd', 'e', 'f']) {
      const answer = await statements.register(who, JSON.stringify({ id: who }), TTL_MS);
      if ('registration' in answer) registrations.push(answer.registration);
    }
    for (let round = 0; round < 5; round++) {
      const answers = await Promise.all(
        registrations.map((registration) => statements.acquire(registration)),
      );
      const winners = answers.filter((answer) => 'token' in answer);
      expect(winners).toHaveLength(1);
      const token = (winners[0] as { token: bigint }).token;
      for (const answer of answers) if (!('token' in answer)) expect(answer).toEqual({ heldBy: token });
      const holder = registrations[answers.indexOf(winners[0] as (typeof answers)[number])] as string;
      expect(await statements.release(holder, token)).not.toBeNull();
    }
  }, 30_000);
});
