import { mulberry32 } from '@election/tools';
import type { NodeBackend } from '../nodes/node-args.js';
import type { FaultKind } from './history.js';

/** One planned fault. Whom it hits is settled at run time ("the leader" is only known then). */
export interface PlannedFault {
  readonly kind: FaultKind;
  /** Hit the current leader (else a node picked by `pick`). */
  readonly atLeader: boolean;
  /** In [0, 1): picks a node when not aiming at the leader. */
  readonly pick: number;
  /**
   * kill/restart: down time before the restart; etcd-kill, db-kill, db-restart: the database's down
   * time; pause, db-pause: time stopped.
   */
  readonly downMs: number;
  /** Quiet time after the cluster recovered, before the next fault. */
  readonly gapMs: number;
}

const NODE_KINDS: ReadonlyArray<readonly [FaultKind, number]> = [
  ['kill', 0.3],
  ['pause', 0.25],
  ['restart', 0.3],
];
/** The database's faults share the same 15 %, so an etcd schedule is the same as before they existed. */
const SERVER_KINDS: Record<NodeBackend, ReadonlyArray<readonly [FaultKind, number]>> = {
  etcd: [['etcd-kill', 0.15]],
  postgres: [
    ['db-kill', 0.06],
    ['db-pause', 0.05],
    ['db-restart', 0.04],
  ],
};

/** The whole fault schedule from a seed: the same seed gives the same schedule. */
export function planFaults(
  count: number,
  seed: number,
  ttlMs: number,
  backend: NodeBackend = 'etcd',
): PlannedFault[] {
  const KINDS = [...NODE_KINDS, ...SERVER_KINDS[backend]];
  const random = mulberry32(seed);
  const between = (low: number, high: number) => low + random() * (high - low);
  const faults: PlannedFault[] = [];
  for (let i = 0; i < count; i++) {
    let roll = random();
    let kind: FaultKind = 'kill';
    for (const [candidate, weight] of KINDS) {
      if (roll < weight) {
        kind = candidate;
        break;
      }
      roll -= weight;
    }
    // A node's pause must outlast the TTL, so the paused node's lease expires while it sleeps. The
    // database's pause is sometimes shorter (ridden out) and sometimes longer than the TTL (every
    // registration expires by the server's clock while it sleeps).
    const downMs =
      kind === 'pause'
        ? ttlMs + between(300, 1500)
        : kind === 'db-pause'
          ? between(300, ttlMs + 1500)
          : kind === 'etcd-kill' || kind === 'db-kill' || kind === 'db-restart'
            ? between(200, 1500)
            : between(100, 1500);
    faults.push({ kind, atLeader: random() < 0.6, pick: random(), downMs, gapMs: between(200, 1000) });
  }
  return faults;
}
