import { fail } from '../conditions.js';
import type { Harness } from '../harness.js';
import type { ContractCase } from './case.js';

function termOf(h: Harness, id: string): bigint | null {
  return h.running().find((e) => e.id === id)?.state.term ?? null;
}

function assertTermGrew(h: Harness, before: bigint | null, after: bigint | null, what: string): void {
  if (!h.confirmed) return;
  if (before === null || after === null || after <= before) {
    fail(`${what}: the new term must be greater than the old one, got ${before} then ${after}`);
  }
}

/** Leadership moving from one node to another. */
export const failoverCases: readonly ContractCase[] = [
  {
    title: 'graceful leave (stop with resign) hands over at once, without waiting for a TTL',
    async run(h) {
      const a = await h.start('node-a');
      await h.start('node-b');
      await h.start('node-c');
      await h.agreeOn('node-a');
      const before = a.state.term;
      const from = h.now();
      await h.stop(a, true);
      await h.agreeOn('node-b');
      const took = h.now() - from;
      if (took >= h.options.ttlMs) {
        fail(
          `handover took ${Math.round(took)} ms, as long as a TTL (${h.options.ttlMs} ms): did leave() keep the registration or lock?`,
        );
      }
      assertTermGrew(h, before, termOf(h, 'node-b'), 'after a graceful leave');
    },
  },
  {
    title: 'lease loss (stop without resign, like a crash) fails over within ttl + timeout',
    async run(h) {
      const a = await h.start('node-a');
      const b = await h.start('node-b');
      await h.agreeOn('node-a');
      const before = a.state.term;
      await h.stop(a, false);
      if (!h.options.fixedMembership) {
        // The registration (and lock) must outlive the crash until the TTL runs out; at least a
        // quarter of the TTL is left whatever the renewal cadence.
        await h.stays(
          () => !b.state.isLeader,
          "node-b does not lead while node-a's registration is alive",
          h.options.ttlMs / 4,
        );
      }
      await h.agreeOn('node-b', h.options.ttlMs + h.options.timeoutMs);
      assertTermGrew(h, before, b.state.term, 'after a crash');
    },
  },
  {
    title: 'a better-ranked member joining takes over (the leader hands over)',
    async run(h) {
      const b = await h.start('node-b');
      await h.start('node-c');
      await h.agreeOn('node-b');
      const before = b.state.term;
      await h.start('node-a');
      await h.agreeOn('node-a');
      assertTermGrew(h, before, termOf(h, 'node-a'), 'after the takeover');
      const demotions = h.eventsOf(b).filter((event) => event.type === 'demoted');
      const reasons = demotions.map((event) => (event.type === 'demoted' ? event.reason : ''));
      const expected = h.confirmed ? 'handover' : 'view-changed';
      if (!reasons.includes(expected))
        fail(`node-b should have been demoted with reason "${expected}", got [${reasons}]`);
    },
  },
];
