import { type PostgresServer, startPostgres } from '@election/tools';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CLI,
  getText,
  killLeftovers,
  listenUrl,
  requireBuilt,
  type Spawned,
  spawnCli,
  terminateCleanly,
  waitFor,
} from './helpers.js';

let postgres: PostgresServer | undefined;
const spawned: Spawned[] = [];

/** The live member rows of one election, read with psql (another client than the node's own). */
async function rowsOf(election: string): Promise<string[]> {
  const out = await (postgres as PostgresServer).psql(
    `select id from election.election_members where election = '${election}' and expires_at > clock_timestamp() order by id`,
  );
  return out.split('\n').filter((line) => line.trim() !== '');
}

describe('election-node on PostgreSQL (spawned, throwaway PostgreSQL with a password on loopback)', () => {
  beforeAll(async () => {
    requireBuilt(CLI);
    postgres = await startPostgres({ external: false, auth: true });
  }, 60_000);
  afterEach(() => killLeftovers(spawned));
  afterAll(async () => {
    await postgres?.stop();
  });

  it('--backend postgres --postgres URL: leads in confirmed mode, never prints the password, and on SIGTERM deletes its row and exits 0 within 2 s', async () => {
    const url = postgres?.url as string;
    const password = postgres?.clientOptions.password as string;
    const args = [
      '--id',
      'a',
      '--backend',
      'postgres',
      '--postgres',
      url,
      '--election',
      'sigterm',
      '--ttl',
      '2',
    ];
    const node = spawnCli(args);
    spawned.push(node);
    const http = await listenUrl(node);
    const status = await waitFor('a to lead', async () => {
      const body = JSON.parse((await getText(`${http}/status`)).body) as { isLeader: boolean; term: unknown };
      return body.isLeader ? body : undefined;
    });
    expect(status).toMatchObject({
      id: 'a',
      leaderId: 'a',
      backend: 'postgres',
      phase: 'leader',
      members: ['a'],
    });
    expect(status.term).toMatch(/^[1-9]\d*$/);
    expect(await rowsOf('sigterm')).toEqual(['a']);
    const { afterSignalMs, afterStoppedMs } = await terminateCleanly(node);
    console.log(
      `postgres CLI: exit ${afterSignalMs.toFixed(0)} ms after SIGTERM, ${afterStoppedMs.toFixed(0)} ms after "stopped"`,
    );
    expect(afterSignalMs).toBeLessThan(2000);
    expect(afterStoppedMs).toBeLessThan(1000);
    // Gone at once, not after the 2 s TTL: the node deleted its row when it left.
    expect(await rowsOf('sigterm')).toEqual([]);
    expect(JSON.stringify(node.logs)).not.toContain(password);
  }, 40_000);
});
