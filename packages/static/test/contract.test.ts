import { runContractSuite } from '@election/testing';
import * as vitest from 'vitest';
import { createHttpCluster } from './http-cluster.js';

runContractSuite(vitest, createHttpCluster, {
  name: 'static (HTTP probes on loopback)',
  lock: false,
  ttlMs: 1000,
  timeoutMs: 3000,
  settleMs: 500,
  fixedMembership: true,
});
