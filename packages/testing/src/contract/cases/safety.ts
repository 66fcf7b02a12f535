import type { Elector } from '@election/core';
import { fail } from '../conditions.js';
import type { ContractCase } from './case.js';

/** Invariants under change: the monitor samples every elector after every event and every poll. */
export const safetyCases: readonly ContractCase[] = [
  {
    title: 'one leader at a time while members join and leave concurrently',
    async run(h) {
      const c = await h.start('node-c');
      const d = await h.start('node-d');
      await h.agreeOn('node-c');

      // Wave 1: two better members join while the leader resigns.
      const [a, b] = await Promise.all([h.start('node-a'), h.start('node-b'), h.stop(c, true)]);
      await h.agreeOn('node-a');

      // Wave 2: the leader resigns, a member crashes, another joins. node-b's registration
      // outlives its crash, so it is elected by the view but cannot lead; node-d takes over once
      // the registration expires.
      await Promise.all([h.stop(a, true), h.stop(b, false), h.start('node-e')]);
      await h.agreeOn('node-d', h.options.ttlMs + h.options.timeoutMs);

      // Wave 3: a better member comes back while the leader resigns.
      await Promise.all([h.start('node-a'), h.stop(d, true)]);
      await h.agreeOn('node-a');
      // The monitor has thrown inside the waits above if two nodes ever led at once (confirmed).
      h.monitor.check();
    },
  },
  {
    title: 'terms strictly increase across successive leaderships',
    needsLock: true,
    async run(h) {
      const a = await h.start('node-a');
      await h.start('node-b');
      await h.start('node-c');
      await h.agreeOn('node-a');
      await h.stop(a, true);
      await h.agreeOn('node-b');
      const back: Elector = await h.start('node-a');
      await h.agreeOn('node-a');
      await h.stop(back, false);
      await h.agreeOn('node-b', h.options.ttlMs + h.options.timeoutMs);

      const elected = h.monitor.elected;
      const leaders = elected.map((election) => election.id);
      if (leaders.join() !== 'node-a,node-b,node-a,node-b') {
        fail(`expected leaderships node-a, node-b, node-a, node-b; got ${leaders.join(', ')}`);
      }
      for (let i = 1; i < elected.length; i++) {
        const previous = elected[i - 1]?.term;
        const current = elected[i]?.term;
        if (previous == null || current == null || current <= previous) {
          fail(`terms must strictly increase: ${elected.map((e) => `${e.id}=${e.term}`).join(', ')}`);
        }
      }
    },
  },
];
