import { EventEmitter } from 'node:events';
import Consul from 'consul';
import { afterEach, describe, expect, it } from 'vitest';
import { createConsulMembership } from '../../src/index.js';
import { type AdapterFixture, createAdapterFixture } from '../support/adapter-fixture.js';
import { joinRequest } from '../support/join-request.js';

/**
 * review16c: "a join that close() overtakes fails and leaves nothing registered" (the merge of
 * backend16b; BackendLifecycle.join's `discard`). Consul's backend gives no `discard`, so the
 * session such a join created keeps its member key until the TTL runs out. Not a regression
 * (fbbff79 returned a live session from the closed backend), but the claim is false for Consul.
 * The close() is made deterministic with a caller's client whose checkListed read (the join's
 * last request, a recursive GET without an index) runs close() first.
 */
describe('review16c: a Consul join that close() overtakes', () => {
  let fx: AdapterFixture;
  let client: Consul | undefined;
  afterEach(async () => {
    client?.destroy();
    await fx.cleanup();
  });

  it('fails and leaves no member key held', async () => {
    fx = await createAdapterFixture();
    client = new Consul({ host: fx.sim.host, port: fx.sim.port });
    const backend = createConsulMembership({ client, election: fx.election });
    const get = client.kv.get.bind(client.kv) as (options: Record<string, unknown>) => Promise<unknown>;
    let closing: Promise<void> | undefined;
    (client.kv as unknown as { get: typeof get }).get = (options) => {
      if (options.recurse === true && options.index === undefined && closing === undefined) {
        closing = backend.close();
        // The answer the join waits for, whatever close() cancelled: register() then resolves.
        // A fresh context (close() cancels the request's own), asking for the response as the adapter does.
        return get({ ...options, ctx: Object.assign(new EventEmitter(), { includeResponse: true }) });
      }
      return get(options);
    };
    const joined = await backend.join(joinRequest('node-a')).then(
      () => 'joined',
      (error: Error) => error.message,
    );
    expect(closing).toBeDefined();
    expect(joined).toMatch(/closed while joining/);
    expect(fx.sim.state.kv.get(fx.memberKey('node-a'))?.session).toBeUndefined();
  });
});
