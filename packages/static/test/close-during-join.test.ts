import { LifecycleError } from '@election/core';
import { describe, expect, it } from 'vitest';
import { createStaticMembership } from '../src/index.js';
import { joinRequest } from './helpers.js';

describe('close() while a join waits for its first probe round', () => {
  it('fails the join with LifecycleError, as every backend does, and cuts its probe in flight', async () => {
    let probes = 0;
    let probeSignal: AbortSignal | undefined;
    // The peer's first probe answers only when the test says so: the join waits for it.
    const membership = createStaticMembership({
      members: [{ id: 'a' }, { id: 'b', url: 'http://127.0.0.1:9' }],
      probe: {
        timeoutMs: 60_000,
        check: (_member, signal) => {
          probes += 1;
          probeSignal = signal;
          return new Promise<boolean>(() => {});
        },
      },
    });
    const joining = membership.join(joinRequest({ id: 'a' }));
    const settled = joining.then(
      (session) => ({ session }),
      (error: unknown) => ({ error }),
    );
    await expect.poll(() => probes, { timeout: 5000 }).toBe(1);
    await membership.close();
    const outcome = await settled;
    expect(outcome).toEqual({ error: expect.any(LifecycleError) });
    expect((outcome as { error: Error }).error.message).toMatch(/closed while joining/);
    // The session's probe in flight was cut: nothing of the join runs on.
    expect(probeSignal?.aborted).toBe(true);
    expect(probes).toBe(1);
  });
});
