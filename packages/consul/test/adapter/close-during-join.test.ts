import { EventEmitter } from 'node:events';
import { LifecycleError } from '@election/core';
import { waitFor } from '@election/testing';
import Consul from 'consul';
import { afterEach, describe, expect, it } from 'vitest';
import { createConsulMembership } from '../../src/index.js';
import { type AdapterFixture, createAdapterFixture } from '../support/adapter-fixture.js';
import { createCaptureLogger } from '../support/capture-logger.js';
import { joinRequest } from '../support/join-request.js';

/**
 * A join that close() overtakes fails and leaves nothing registered (BackendLifecycle.join: close()
 * aborts the join, its `discard` ends what it made while the client is still open). Found by the
 * review of the adapter skeleton (review16c finding 3): Consul gave no `discard`, so such a join's
 * session kept its member key until the TTL ran out. Against the Consul simulator.
 */
describe('close() overtakes a Consul join', () => {
  let fx: AdapterFixture;
  let client: Consul | undefined;
  afterEach(async () => {
    client?.destroy();
    await fx.cleanup();
  });

  it("after the member key is taken (a caller's client): the join fails, the key is deleted and the session destroyed", async () => {
    fx = await createAdapterFixture();
    client = new Consul({ host: fx.sim.host, port: fx.sim.port });
    const backend = createConsulMembership({ client, election: fx.election });
    const get = client.kv.get.bind(client.kv) as (options: Record<string, unknown>) => Promise<unknown>;
    let closing: Promise<void> | undefined;
    // The join's last request (the recursive read that checks the member key is listed) runs close() first.
    (client.kv as unknown as { get: typeof get }).get = (options) => {
      if (options.recurse === true && options.index === undefined && closing === undefined) {
        closing = backend.close();
        // The answer the join waits for, whatever close() cancelled: register() then resolves.
        return get({ ...options, ctx: Object.assign(new EventEmitter(), { includeResponse: true }) });
      }
      return get(options);
    };
    const joined = await backend.join(joinRequest('node-a')).then(
      () => 'joined',
      (error: Error) => error.message,
    );
    expect(closing).toBeDefined();
    await closing;
    expect(joined).toMatch(/closed while joining/);
    expect(fx.sim.state.kv.get(fx.memberKey('node-a'))).toBeUndefined();
    expect(fx.sim.state.allSessions()).toHaveLength(0);
  });

  it("while it waits out this id's previous session (its own client): the join fails at once, nothing of it is left, and close() closes the client", async () => {
    fx = await createAdapterFixture({ minSessionTtlMs: 1_000 });
    const crashed = await fx.join(fx.backend(), joinRequest('node-a', { ttlMs: 1_000 }));
    crashed.close(); // a crash: nobody renews that session from now on
    const [previous] = fx.sim.state.allSessions();
    const logger = createCaptureLogger();
    const backend = createConsulMembership({ host: fx.sim.host, port: fx.sim.port, election: fx.election });
    const outcome = backend
      .join(joinRequest('node-a', { ttlMs: 1_000, logger }))
      .catch((error: unknown) => error);
    await waitFor(
      () => logger.records.some((r) => /previous registration of node-a to expire/.test(r.msg ?? '')),
      {
        timeoutMs: 2_000,
        message: 'the wait to start',
      },
    );
    const closedAt = performance.now();
    await backend.close();
    const error = await outcome;
    // The wait would have lasted up to 2×TTL + 1 s (3 s); close() cut it short.
    expect(performance.now() - closedAt).toBeLessThan(1_000);
    expect(error).toBeInstanceOf(LifecycleError);
    expect((error as Error).message).toMatch(/closed while joining/);
    // Only the crashed session is known; no session of the overtaken join holds anything.
    expect(fx.sim.state.allSessions().map((s) => s.id)).toEqual([previous?.id]);
    await waitFor(async () => (await fx.sim.connections()) <= 1, {
      timeoutMs: 2_000,
      message: "the backend's own connections to close (the fixture's admin client may keep one)",
    });
  });
});
