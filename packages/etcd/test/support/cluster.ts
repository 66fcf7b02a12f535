import { createElector, type Elector, type ElectorOptions } from '@election/core';
import { waitFor } from '@election/testing';
import type { EtcdServer } from '@election/tools';
import {
  createEtcdMembership,
  type EtcdMembershipBackend,
  type EtcdMembershipOptions,
} from '../../src/index.js';
import { LeadershipMonitor } from './leadership-monitor.js';
import { uniquePrefix } from './session-helpers.js';

export const TTL_MS = 2000;

/** In-process electors on one etcd election, each with its own backend (its own client). */
export class TestCluster {
  readonly monitor = new LeadershipMonitor();
  readonly prefix: string;
  private readonly electors: Elector[] = [];
  private readonly backends: EtcdMembershipBackend[] = [];

  constructor(
    private readonly etcd: EtcdServer,
    name: string,
    private readonly backendOptions: Partial<EtcdMembershipOptions> = {},
  ) {
    this.prefix = uniquePrefix(name);
  }

  create(id: string, options: Partial<ElectorOptions> = {}): Elector {
    const membership = createEtcdMembership({
      ...this.etcd.clientOptions,
      prefix: this.prefix,
      ...this.backendOptions,
    });
    this.backends.push(membership);
    const elector = createElector({ id, membership, ttlMs: TTL_MS, ...options });
    this.electors.push(elector);
    return this.monitor.watch(elector);
  }

  async start(id: string, options: Partial<ElectorOptions> = {}): Promise<Elector> {
    const elector = this.create(id, options);
    await elector.start();
    return elector;
  }

  /** Waits until `id` leads and every other running elector sees it as leader. */
  async leaderIs(id: string, timeoutMs: number, running: readonly Elector[] = this.electors): Promise<void> {
    await waitFor(
      () => {
        const leaders = this.monitor.leaders();
        return (
          leaders.length === 1 &&
          leaders[0] === id &&
          running.every((elector) => elector.state.phase === 'stopped' || elector.state.leaderId === id)
        );
      },
      {
        timeoutMs,
        stepMs: 5,
        message: `${id} to lead, seen by all`,
        describe: () => this.describe(),
      },
    );
  }

  describe(): string {
    return this.electors
      .map((e) => `${e.id}:${e.state.phase}${e.state.isLeader ? '*' : ''}(leader=${e.state.leaderId})`)
      .join(' ');
  }

  async teardown(): Promise<void> {
    await Promise.allSettled(this.electors.map((elector) => elector.stop({ resign: true })));
    await Promise.allSettled(this.backends.map((backend) => backend.close()));
  }
}
