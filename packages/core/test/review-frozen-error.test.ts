import { describe, expect, it } from 'vitest';
import { BackendUnavailableError, type ElectorEvent } from '../src/index.js';
import { member, startScripted } from './support/fixtures.js';

/**
 * Review of issue 19 defect 6: maskError() masks in place with Object.defineProperty. An error a
 * custom backend threw frozen (a shared constant error, Object.freeze'd by a library) makes that
 * throw a TypeError inside the lock claim's answer handler: no backoff, no re-evaluation, and an
 * unhandled rejection (which ends a Node process by default).
 */
describe('review: a frozen error with a credential in it', () => {
  it('is reported (masked, or wrapped) and the claim retries after a backoff', async () => {
    const { elector, session, clock, events } = await startScripted({ ttlMs: 3000 });
    const frozen = Object.freeze(
      new BackendUnavailableError('lock failed at http://admin:s3cret@etcd.internal:2379'),
    );
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      let calls = 0;
      session.acquireWith = async () => {
        if (calls++ === 0) throw frozen;
        return 4n;
      };
      session.emit({ type: 'snapshot', members: [member('b')] });
      await clock.advance(1);
      await clock.advance(1000); // a backoff later it asks again and leads
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
      const errors = events.flatMap((event: ElectorEvent) => (event.type === 'error' ? [event.error] : []));
      expect(errors.length).toBe(1);
      expect(errors[0]!.message).not.toMatch(/s3cret/);
      expect(elector.state.isLeader).toBe(true);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await elector.stop();
    }
  });
});
