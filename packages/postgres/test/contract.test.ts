import { runContractSuite } from '@election/testing';
import * as vitest from 'vitest';
import { createPostgresMembership, type PostgresMembershipBackend } from '../src/index.js';
import { freshSchema, usePostgres } from './postgres.js';

// One PostgreSQL for this file; each case gets a schema of its own, and each node its own backend.
const postgres = usePostgres();

runContractSuite(
  vitest,
  () => {
    const schema = freshSchema();
    const backends: PostgresMembershipBackend[] = [];
    return {
      createBackend: () => {
        const backend = createPostgresMembership({ connectionString: postgres.server().url, schema });
        backends.push(backend);
        return backend;
      },
      teardown: async () => {
        await Promise.all(backends.map((backend) => backend.close()));
      },
    };
  },
  { name: 'postgres', lock: true, ttlMs: 2000, timeoutMs: 3000 },
);
