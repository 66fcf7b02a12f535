import { runSessionContract } from '@election/testing';
import { startTcpRelay, type TcpRelay } from '@election/tools';
import pg from 'pg';
import * as vitest from 'vitest';
import { createPostgresMembership, type PostgresMembershipBackend } from '../src/index.js';
import { freshSchema, usePostgres, viaPort } from './postgres.js';

// One PostgreSQL for this file, a schema per test. Every node reaches it through a TCP relay of
// its own, so outage() cuts off exactly the nodes it names and latency() slows only theirs.
const postgres = usePostgres();

runSessionContract(
  vitest,
  async () => {
    const schema = freshSchema();
    const relays = new Map<string, TcpRelay>();
    const backends: PostgresMembershipBackend[] = [];
    const relayOf = async (id: string) => {
      let relay = relays.get(id);
      if (relay === undefined) {
        relay = await startTcpRelay(postgres.server().port);
        relays.set(id, relay);
      }
      return relay;
    };
    // Relays are made ahead of the backends (backend() is synchronous): one per node of the groups.
    for (const id of ['node-a', 'node-b', 'user']) await relayOf(id);
    const urlOf = (id: string) => viaPort(postgres.server().url, (relays.get(id) as TcpRelay).port);
    return {
      backend: ({ id }) => {
        const backend = createPostgresMembership({
          connectionString: urlOf(id),
          schema,
          leaveTimeoutMs: 500,
        });
        backends.push(backend);
        return backend;
      },
      async invalidate(id) {
        // Delete the member's row behind its back, as its expiry would end it.
        await postgres.admin().query(`delete from "${schema}".election_members where id = $1`, [id]);
      },
      async outage(ids) {
        for (const id of ids) await relays.get(id)?.cut();
        return async () => {
          for (const id of ids) await relays.get(id)?.restore();
        };
      },
      async latency(ids, ms) {
        for (const id of ids) relays.get(id)?.delay(ms);
        return async () => {
          for (const id of ids) relays.get(id)?.delay(0);
        };
      },
      async userClient() {
        const pool = new pg.Pool({ connectionString: urlOf('user') });
        pool.on('error', () => {});
        return {
          backend: () => createPostgresMembership({ pool, schema, leaveTimeoutMs: 500 }),
          works: async () => void (await pool.query('select 1')),
          close: () => pool.end(),
        };
      },
      teardown: async () => {
        await Promise.all(backends.map((backend) => backend.close()));
        for (const relay of relays.values()) await relay.close();
      },
    };
  },
  { name: 'postgres', lock: true, ttlMs: 2000, timeoutMs: 3000, leaveBoundMs: 1500 },
);
