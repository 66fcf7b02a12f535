import type { MembershipBackend } from '@election/core';
import { describe, it } from 'vitest';
import type { ConsulTarget } from './consul-target.js';
import { ElectorCluster } from './elector-cluster.js';
import { faultCases, TTL_MS } from './fault-cases.js';
import { withShortTtls } from './short-ttl.js';

export interface FaultScenarioOptions {
  readonly simulator: boolean;
  /**
   * Run the cases at this TTL instead of Consul's default minimum (10 s), except those that say why
   * they need the default. The target must accept it: the simulator started with a lowered
   * session_ttl_min (short-ttl.ts); the adapter's declared minimum is lowered to match.
   */
  readonly shortTtlMs?: number;
}

/**
 * Registers every fault case against `createTarget` (a fresh target, so a fresh election, per case).
 * The cases share nothing, so they run concurrently: the crash case's 20 s overlap the others.
 */
export function registerFaultScenarios(
  title: string,
  createTarget: () => Promise<ConsulTarget>,
  options: FaultScenarioOptions,
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
          const short = fault.defaultTtl === undefined ? options.shortTtlMs : undefined;
          const wrap =
            short === undefined ? undefined : (backend: MembershipBackend) => withShortTtls(backend);
          const cluster = new ElectorCluster(target, short ?? TTL_MS, wrap, fault.membership);
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
