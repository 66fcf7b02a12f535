import { describe, expect, it } from 'vitest';
import type { ConsulTarget } from './consul-target.js';
import { ElectorCluster } from './elector-cluster.js';

/**
 * Ids core accepts but Consul's key validation would refuse as they are: a space, ":", non-ASCII,
 * "..", a trailing space. In UTF-8 byte order ".." sorts first, so it leads.
 */
export const AWKWARD_IDS = ['node 1', 'host:8080', 'ü', '..', 'a '] as const;

/** End to end: electors with those ids join, agree on the leader, and hand over when it leaves. */
export function registerKeyNameCases(title: string, createTarget: () => Promise<ConsulTarget>): void {
  describe(title, () => {
    it('ids "node 1", "host:8080", "ü", "..", "a " all join, agree on ".." as leader, and hand over to "a "', async () => {
      const target = await createTarget();
      const cluster = new ElectorCluster(target, 10_000);
      try {
        for (const id of AWKWARD_IDS) await cluster.start(id);
        await cluster.waitForLeader('..', 5_000);
        for (const elector of cluster.running()) {
          expect(elector.state.members.map((m) => m.id)).toEqual(['..', 'a ', 'host:8080', 'node 1', 'ü']);
        }
        await cluster.stop(cluster.byId('..'), true);
        await cluster.waitForLeader('a ', 5_000);
      } finally {
        await cluster.cleanup();
        await target.close();
      }
    }, 20_000);
  });
}
