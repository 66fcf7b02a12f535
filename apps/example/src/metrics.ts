import type { Elector } from '@election/core';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';

export interface NodeMetrics {
  readonly registry: Registry;
  /** Starts counting the elector's leader changes. */
  observe(elector: Elector): void;
}

/**
 * Gauges are read from `elector.state` at scrape time rather than pushed on events: `isLeader` is
 * checked against the lease deadline when read, so a scrape never reports a leadership that expired
 * between two events.
 */
export function createMetrics(): NodeMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  let elector: Elector | undefined;
  const state = () => elector?.state;

  new Gauge({
    name: 'election_is_leader',
    help: '1 while this node leads, else 0.',
    registers: [registry],
    collect() {
      this.set(state()?.isLeader ? 1 : 0);
    },
  });
  new Gauge({
    name: 'election_term',
    help: 'Fencing token of the current leadership as this node sees it; 0 when there is none (view mode).',
    registers: [registry],
    collect() {
      // A gauge is a float64: exact for tokens up to 2^53, far beyond any etcd revision or Consul index.
      this.set(Number(state()?.term ?? 0n));
    },
  });
  new Gauge({
    name: 'election_members',
    help: 'Live members in this node’s view, itself included.',
    registers: [registry],
    collect() {
      this.set(state()?.members.length ?? 0);
    },
  });
  const changes = new Counter({
    name: 'election_leader_changes_total',
    help: 'Times the leader as this node sees it changed (including to or from none).',
    registers: [registry],
  });

  return {
    registry,
    observe(target) {
      elector = target;
      target.on('leader', (event) => {
        if (event.leaderId !== event.previousLeaderId) changes.inc();
      });
    },
  };
}
