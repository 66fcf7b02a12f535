import { describe, expect, it } from 'vitest';
import { BackendUnavailableError } from '../src/index.js';
import { member, startScripted } from './support/fixtures.js';

describe('lastError masked on read (review19d)', () => {
  it('an adapter that rewrites a reported error message to a non-string: the deadline step does not throw', async () => {
    const { session, clock, elector } = await startScripted({ ttlMs: 3000 });
    session.emit({ type: 'snapshot', members: [member('b')] });
    await clock.advance(0);
    const error = new BackendUnavailableError('keepalive refused');
    session.fail(error); // masked when reported ...
    (error as unknown as { message: unknown }).message = null; // ... and rewritten since (a reused object)
    // Past the deadline: #unreachable reads maskSecrets(lastError.message) and throws a TypeError
    // from a timer (a real process: an uncaught exception).
    await clock.advance(3000);
    expect(elector.state.reason.kind).toBe('backend-unreachable');
    await elector.stop();
  });
});
