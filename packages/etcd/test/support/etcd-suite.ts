import { type EtcdServer, startEtcd } from '@election/tools';
import type { Etcd3 } from 'etcd3';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { adminClient } from './admin-client.js';

export type Cleanup = () => Promise<unknown> | unknown;

/**
 * One real etcd for the calling test file: started before its tests (handed to `bind` with an
 * admin client), stopped after them. Returns a list of cleanups, run last-first after each test.
 */
export function useEtcd(bind: (etcd: EtcdServer, admin: Etcd3) => void): Cleanup[] {
  const cleanups: Cleanup[] = [];
  let server: EtcdServer | undefined;
  let admin: Etcd3 | undefined;
  beforeAll(async () => {
    server = await startEtcd();
    admin = adminClient(server);
    bind(server, admin);
  }, 30_000);
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(async () => {
    admin?.close();
    await server?.stop();
  });
  return cleanups;
}
