import { fileURLToPath } from 'node:url';
import type { Subject } from './cluster.js';

const node = (file: string) => fileURLToPath(new URL(`../nodes/${file}`, import.meta.url));

export const librarySubject: Subject = {
  label: '@election/etcd (confirmed)',
  script: node('library-node.ts'),
};
export const postgresSubject: Subject = {
  label: '@election/postgres (confirmed)',
  script: node('library-node.ts'),
  backend: 'postgres',
};
export const etcd3Subject: Subject = {
  label: 'etcd3 Election recipe',
  script: node('etcd3-election-node.ts'),
};
/** The seed polls every 5 s, so its faults land at a random phase of the poll (see run-failover). */
export const seedSubject: Subject = {
  label: 'seed (view, 5 s poll)',
  script: node('seed-node.ts'),
  faultJitterMs: 5000,
};
