import { createElector, type Member } from '@election/core';
import { elapsedMicros, hrNow } from '../util/clock.js';
import { median, percentile } from '../util/stats.js';
import { makeMembers } from './members.js';
import { createStubBackend } from './stub-backend.js';

export interface ChangeCostRow {
  readonly members: number;
  /** Whether an event subscriber was attached (apps, runWhileLeader and waitForLeadership all subscribe). */
  readonly subscribed: boolean;
  readonly events: number;
  readonly medianMicros: number;
  readonly p99Micros: number;
}

/**
 * The elector's cost per membership change: a real `createElector` (view mode) on a stub backend
 * holding `size` members; each put of a new member and each delete of it is timed around the
 * synchronous delivery, which runs the view update, the state dispatch and the election step.
 * `maxMillis` bounds the run when a change turns out to be expensive.
 */
export async function benchChangeCost(
  size: number,
  options: { readonly events: number; readonly subscribed: boolean; readonly maxMillis: number },
): Promise<ChangeCostRow> {
  const members = makeMembers(size, 7);
  const self: Member = { id: 'node-80000000-self' };
  const stub = createStubBackend([...members, self]);
  const elector = createElector({
    id: self.id,
    membership: stub.backend,
    mode: 'view',
    resyncIntervalMs: 3_600_000,
  });
  const unsubscribe = options.subscribed ? elector.subscribe(() => {}) : () => {};
  await elector.start();
  const samples: number[] = [];
  const newcomers = makeMembers(options.events, 99);
  // Untimed warm-up so the first samples do not measure the JIT; bounded by time like the run.
  const warmUntil = Date.now() + options.maxMillis / 4;
  for (const warm of makeMembers(Math.min(200, options.events), 5)) {
    stub.emit({ type: 'put', member: { id: `w-${warm.id}` } });
    stub.emit({ type: 'delete', id: `w-${warm.id}` });
    if (Date.now() > warmUntil) break;
  }
  const stopAt = Date.now() + options.maxMillis;
  for (const newcomer of newcomers) {
    const id = `x-${newcomer.id}`;
    let start = hrNow();
    stub.emit({ type: 'put', member: { id } });
    samples.push(elapsedMicros(start, hrNow()));
    start = hrNow();
    stub.emit({ type: 'delete', id });
    samples.push(elapsedMicros(start, hrNow()));
    if (Date.now() > stopAt) break;
  }
  const viewSize = elector.state.members.length;
  unsubscribe();
  await elector.stop({ resign: true });
  if (viewSize !== size + 1)
    throw new Error(`the elector's view drifted: ${viewSize} members, expected ${size + 1}`);
  return {
    members: size,
    subscribed: options.subscribed,
    events: samples.length,
    medianMicros: median(samples),
    p99Micros: percentile(samples, 99),
  };
}
