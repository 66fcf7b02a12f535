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

  it('with checkDuplicates, a close() during the self-probe cuts it and fails the join at once', async () => {
    let selfSignal: AbortSignal | undefined;
    // A probe that never answers (60 s timeout): only the cut ends the join before the test's timeout.
    const membership = createStaticMembership({
      members: [{ id: 'a', url: 'http://127.0.0.1:9' }],
      checkDuplicates: true,
      probe: {
        timeoutMs: 60_000,
        check: (_member, signal) => {
          selfSignal = signal;
          return new Promise<boolean>(() => {});
        },
      },
    });
    const joining = membership.join(joinRequest({ id: 'a' }));
    const settled = joining.then(
      () => 'joined',
      (error: unknown) => error,
    );
    await expect.poll(() => selfSignal, { timeout: 5000 }).toBeDefined();
    await membership.close();
    expect(await settled).toBeInstanceOf(LifecycleError);
    expect(selfSignal?.aborted).toBe(true);
  });
});
