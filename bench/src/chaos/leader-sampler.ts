import { sharedNow } from '../util/clock.js';
import type { ChaosCluster } from './chaos-cluster.js';

interface Sample {
  readonly t: number;
  readonly leaders: readonly string[];
}

/**
 * Samples, every few ms, which running nodes claim leadership, so the orchestrator can tell when a
 * single leader appeared after a fault even while it was busy injecting the fault (a pause lasts
 * longer than the failover it causes). Only for the progress log: the checker judges the history.
 */
export class LeaderSampler {
  private readonly samples: Sample[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly cluster: ChaosCluster,
    everyMs = 5,
  ) {
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  private sample(): void {
    const t = sharedNow();
    const leaders = this.cluster.leaders(t);
    const last = this.samples.at(-1);
    if (last === undefined || last.leaders.join() !== leaders.join()) this.samples.push({ t, leaders });
  }

  /**
   * The first time at or after `from` when exactly one node led, or undefined so far. A stretch that
   * began before `from` does not count if its leader is `target`: that is the node just faulted.
   */
  singleLeaderSince(from: number, target: string): { t: number; leader: string } | undefined {
    this.sample();
    for (let i = 0; i < this.samples.length; i++) {
      const sample = this.samples[i] as Sample;
      const until = this.samples[i + 1]?.t ?? Number.POSITIVE_INFINITY;
      const stale = sample.t < from && sample.leaders[0] === target;
      if (until > from && sample.leaders.length === 1 && !stale) {
        return { t: Math.max(sample.t, from), leader: sample.leaders[0] as string };
      }
    }
    return undefined;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
