import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createElector, type ElectorEvent, maskSecrets, StartTimeoutError } from '../src/index.js';
import { member } from './support/fixtures.js';
import { createTestClock } from './support/manual-clock.js';
import { createScriptedBackend } from './support/scripted-backend.js';

/** Review of issue 19 defect 6 (maskSecrets): leaks, and a regex whose time grows cubically. */

const LEAK = 'connect ECONNREFUSED http://admin:s3cret@etcd.internal:2379/v3?token=abc123';
const SECRETS = /s3cret|abc123/;

describe('review: maskSecrets patterns', () => {
  it('ReDoS: a 4.8 KB header-like string takes seconds (the x-…token… pattern backtracks cubically)', () => {
    // Text that reaches maskSecrets can come from the backend: e.g. Consul's malformed-entry
    // message quotes the key ("skipping <key>: …"), and anyone who can write under the prefix picks
    // the key. 'x-token-' × 2000 (16 KB) took 67 s here; × 600 about 1.5 s. The event loop is blocked
    // meanwhile: no timer, no demotion, no renewal.
    const text = 'x-token-'.repeat(600);
    const started = performance.now();
    maskSecrets(text);
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('a quoted JSON value holding the other quote character leaks its tail', () => {
    // [^"']* stops at the apostrophe: {"password":"***'s-s3cret"}
    expect(maskSecrets(`{"password":"it's-s3cret"}`)).not.toMatch(/s3cret/);
    expect(maskSecrets(`{'password':'say "s3cret"'}`)).not.toMatch(/s3cret/);
  });

  it('an Authorization: Digest header keeps its response and nonce', () => {
    const masked = maskSecrets('Authorization: Digest username="admin", nonce="n0nce", response="s3cret"');
    expect(masked).not.toMatch(/s3cret/);
  });

  it('user-info whose password holds an unencoded @ leaks the part after it', () => {
    // What a hand-built endpoint label looks like: `${scheme}://${user}:${password}@${host}`.
    expect(maskSecrets('etcd://admin:p@s3cret@etcd.internal:2379')).not.toMatch(/s3cret/);
  });

  it('"name: value" credentials without quotes (YAML, config dumps, header-like lines) pass through', () => {
    expect(maskSecrets('password: s3cret')).not.toMatch(/s3cret/);
    expect(maskSecrets('token: s3cret')).not.toMatch(/s3cret/);
  });
});

describe('review: the cause chain of what core hands out', () => {
  it('start() rejects with an error whose cause chain still quotes the credential (console.error prints it)', async () => {
    const clock = createTestClock();
    const backend = createScriptedBackend();
    backend.joinWith = async () => {
      throw new Error(LEAK);
    };
    const elector = createElector({ id: 'b', membership: backend, clock, ttlMs: 3000, startTimeoutMs: 500 });
    const outcome = elector.start().catch((error: unknown) => error);
    await clock.advance(1000);
    const error = await outcome;
    expect(error).toBeInstanceOf(StartTimeoutError);
    // The README's own example does `.catch((error) => console.error(error))`: util.inspect prints
    // every [cause], and pino's standard err serializer joins the cause messages into `message`.
    expect(inspect(error)).not.toMatch(SECRETS);
  });

  it("an 'error' event's error carries the raw cause (a subscriber that logs it with pino leaks it)", async () => {
    const clock = createTestClock();
    const backend = createScriptedBackend();
    const elector = createElector({ id: 'b', membership: backend, clock, ttlMs: 3000 });
    const errors: Error[] = [];
    elector.subscribe((event: ElectorEvent) => {
      if (event.type === 'error') errors.push(event.error);
    });
    await elector.start();
    const session = backend.sessions[0]!;
    session.acquireWith = async () => {
      throw new Error(LEAK);
    };
    session.emit({ type: 'snapshot', members: [member('b')] });
    await clock.advance(1);
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) expect(inspect(error)).not.toMatch(SECRETS);
    await elector.stop();
  });
});

describe('review: what errorForLog drops from logged errors (information lost, not leaked)', () => {
  it("keeps an ElectionError's source and retryInMs, and an AggregateError's inner errors (masked)", async () => {
    const { errorForLog } = await import('../src/adapter/index.js');
    const { BackendUnavailableError } = await import('../src/index.js');
    const logged = errorForLog(
      new BackendUnavailableError('renewal failed', { source: 'etcd', retryInMs: 250 }),
    ) as {
      source?: unknown;
      retryInMs?: unknown;
    };
    // Before this change the logger got the error itself: pino printed source and retryInMs.
    expect(logged.source).toBe('etcd');
    expect(logged.retryInMs).toBe(250);
    const aggregate = errorForLog(
      new AggregateError(
        [new Error('connect ECONNREFUSED 10.0.0.1:2379'), new Error(LEAK)],
        'all endpoints failed',
      ),
    ) as { errors?: Error[] };
    expect(aggregate.errors?.map((error) => error.message)).toEqual([
      'connect ECONNREFUSED 10.0.0.1:2379',
      maskSecrets(LEAK),
    ]);
  });
});
