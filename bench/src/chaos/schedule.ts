import { mulberry32 } from '@election/tools';
import type { FaultKind } from './history.js';

/** One planned fault. Whom it hits is settled at run time ("the leader" is only known then). */
export interface PlannedFault {
  readonly kind: FaultKind;
  /** Hit the current leader (else a node picked by `pick`). */
  readonly atLeader: boolean;
  /** In [0, 1): picks a node when not aiming at the leader. */
  readonly pick: number;
  /** kill/restart: down time before the restart; etcd-kill: etcd's down time; pause: time stopped. */
  readonly downMs: number;
  /** Quiet time after the cluster recovered, before the next fault. */
  readonly gapMs: number;
}

const KINDS: ReadonlyArray<readonly [FaultKind, number]> = [
  ['kill', 0.3],
  ['pause', 0.25],
  ['restart', 0.3],
  ['etcd-kill', 0.15],
];

/** The whole fault schedule from a seed: the same seed gives the same schedule. */
export function planFaults(count: number, seed: number, ttlMs: number): PlannedFault[] {
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
    // A pause must outlast the TTL, so the paused node's lease expires while it sleeps.
    const downMs =
      kind === 'pause'
        ? ttlMs + between(300, 1500)
        : kind === 'etcd-kill'
          ? between(200, 1500)
          : between(100, 1500);
    faults.push({ kind, atLeader: random() < 0.6, pick: random(), downMs, gapMs: between(200, 1000) });
  }
  return faults;
}
