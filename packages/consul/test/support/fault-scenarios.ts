import { describe, it } from 'vitest';
import type { ConsulTarget } from './consul-target.js';
import { ElectorCluster } from './elector-cluster.js';
import { faultCases, TTL_MS } from './fault-cases.js';

/**
 * Registers every fault case against `createTarget` (a fresh target, so a fresh election, per case).
 * The cases share nothing, so they run concurrently: the crash case's 20 s overlap the others.
 */
export function registerFaultScenarios(
  title: string,
  createTarget: () => Promise<ConsulTarget>,
  options: { readonly simulator: boolean },
): void {
  describe.concurrent(title, () => {
    for (const fault of faultCases) {
      if (fault.needsSimulator && !options.simulator) {
        it.skip(`${fault.title} [skipped: needs the simulator, ${fault.needsSimulator}]`, () => {});
        continue;
      }
      it(
        fault.title,
        async () => {
          const target = await createTarget();
          const cluster = new ElectorCluster(target, TTL_MS, undefined, fault.membership);
          try {
            await fault.run(cluster);
          } finally {
            await cluster.cleanup();
            await target.close();
          }
        },
        fault.timeoutMs ?? 20_000,
      );
    }
  });
}
