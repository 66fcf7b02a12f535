import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { maskSecrets as kitMaskSecrets } from '../src/adapter/index.js';
import {
  BackendUnavailableError,
  createElector,
  type ElectorEvent,
  maskSecrets,
  StartTimeoutError,
} from '../src/index.js';
import { member, startScripted } from './support/fixtures.js';
import { createTestClock } from './support/manual-clock.js';
import { recordingLogger, serialize } from './support/recording-logger.js';
import { createScriptedBackend } from './support/scripted-backend.js';

/**
 * Issue 19, defect 6: a backend error that quotes credentials must reach no text core produces:
 * state.reason (and so /status, /events, the live page), 'error' events, log lines, the errors
 * core wraps, whatever the adapter (this is a custom one, not built on the kit's error mapper).
 */

const LEAK =
  'connect ECONNREFUSED http://admin:s3cret@etcd.internal:2379/v3?token=abc123 (Authorization: Bearer tok.en-9)';
const SECRETS = /s3cret|abc123|tok\.en-9/;

describe('no credential in any output (defect 6)', () => {
  it('one masking function, the same from both entries', () => {
    expect(kitMaskSecrets).toBe(maskSecrets);
    expect(maskSecrets(LEAK)).toBe(
      'connect ECONNREFUSED http://***@etcd.internal:2379/v3?token=*** (Authorization: ***)',
    );
    expect(
      maskSecrets('X-Consul-Token: 1b2c, {"password": "p", "user": "u"}, api_key=k, ?key=AIza&x=1'),
    ).toBe('X-Consul-Token: ***, {"password": "***", "user": "u"}, api_key=***, ?key=***&x=1');
    // Prose about keys is not a credential.
    expect(maskSecrets('the key /election/leader was deleted')).toBe('the key /election/leader was deleted');
  });

  it('masks the reason, the error events and the log, for join, renewal, lock and loss failures', async () => {
    const clock = createTestClock();
    // A custom backend that even names its endpoint with the credentials in it.
    const backend = Object.assign(createScriptedBackend(), {
      endpoint: 'http://admin:s3cret@etcd.internal:2379',
    });
    const { logger, lines } = recordingLogger();
    let joins = 0;
    const open = backend.joinWith;
    backend.joinWith = async (request) => {
      if (joins++ < 2) throw new Error(LEAK);
      return open(request);
    };
    const elector = createElector({
      id: 'b',
      membership: backend,
      clock,
      logger,
      ttlMs: 3000,
      backoff: { random: () => 0.5 },
    });
    const events: ElectorEvent[] = [];
    const states: string[] = [];
    elector.subscribe((event, state) => {
      events.push(event);
      states.push(serialize(state));
    });
    const started = elector.start();
    await clock.advance(1);
    // Joining: the reason carries the last error, masked.
    expect(elector.state.reason).toMatchObject({
      kind: 'joining',
      attempt: 1,
      lastError: expect.stringContaining('http://***@etcd.internal'),
    });
    await clock.advance(1000);
    await started;
    const session = backend.sessions[0]!;
    // A failing acquire, a renewal failure reported by the adapter (a plain Error, then its own
    // ElectionError), then the deadline passes: backend-unreachable with the last error.
    session.acquireWith = async () => {
      throw new Error(LEAK);
    };
    session.emit({ type: 'snapshot', members: [member('b')] });
    await clock.advance(1);
    session.fail(new Error(LEAK));
    session.fail(new BackendUnavailableError(`renewal failed: ${LEAK}`));
    await clock.advance(3000);
    expect(elector.state.reason).toMatchObject({
      kind: 'backend-unreachable',
      lastError: expect.stringContaining('token=***'),
    });
    // The registration is lost with a cause that quotes the URL too.
    session.lose(new Error(LEAK));
    await clock.advance(1);
    await elector.stop();

    const errors = events.flatMap((event) => (event.type === 'error' ? [event.error] : []));
    expect(errors.length).toBeGreaterThanOrEqual(5);
    for (const error of errors) {
      expect(error.message).not.toMatch(SECRETS);
      expect(error.stack ?? '').not.toMatch(SECRETS);
    }
    expect(errors.map((error) => error.message).join('\n')).toContain(
      'http://***@etcd.internal:2379/v3?token=***',
    );
    expect(states.join('\n')).not.toMatch(SECRETS);
    expect(states.join('\n')).toContain('backend-unreachable');
    const logged = lines.map((line) => `${line.level} ${line.fields} ${line.msg ?? ''}`);
    expect(logged.filter((line) => line.includes('***')).length).toBeGreaterThan(0);
    for (const line of logged) expect(line).not.toMatch(SECRETS);
  });

  it('masks the error start() rejects with', async () => {
    const clock = createTestClock();
    const backend = createScriptedBackend();
    backend.joinWith = async () => {
      throw new Error(LEAK);
    };
    Object.assign(backend, { endpoint: 'http://admin:s3cret@etcd.internal:2379' });
    const elector = createElector({ id: 'b', membership: backend, clock, ttlMs: 3000, startTimeoutMs: 500 });
    const outcome = elector.start().catch((error: unknown) => error);
    await clock.advance(1000);
    const error = await outcome;
    expect(error).toBeInstanceOf(StartTimeoutError);
    expect((error as Error).message).toContain('http://***@');
    expect((error as Error).message).not.toMatch(SECRETS);
  });
});

/** Review of issue 19 defect 6 (maskSecrets): leaks, and a regex whose time grows cubically. */

const SHORT_LEAK = 'connect ECONNREFUSED http://admin:s3cret@etcd.internal:2379/v3?token=abc123';

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
      throw new Error(SHORT_LEAK);
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
      throw new Error(SHORT_LEAK);
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
        [new Error('connect ECONNREFUSED 10.0.0.1:2379'), new Error(SHORT_LEAK)],
        'all endpoints failed',
      ),
    ) as { errors?: Error[] };
    expect(aggregate.errors?.map((error) => error.message)).toEqual([
      'connect ECONNREFUSED 10.0.0.1:2379',
      maskSecrets(SHORT_LEAK),
    ]);
  });
});

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

describe('maskSecrets: linear time, a length cap, and the shapes it masks', () => {
  // Text a backend picks (a malformed entry's key) reaches maskSecrets: each pattern must run in
  // time linear in the text. 64 KB of each adversarial shape, uncapped, against a generous bound:
  // the old x-…token… pattern took about 67 s at 16 KB, a quadratic one takes seconds at 64 KB.
  const shapes = [
    'x-token-',
    'x-a-',
    'password=',
    'token: ',
    '"password":"',
    "'",
    '\\"',
    '"token":"\\',
    'http://a',
    'a://',
    'a.',
    'authorization: ',
    'bearer ',
    'cookie: x',
    '?key=',
    '=a ',
    'a@',
  ];
  it.each(shapes)('masks 64 KB of %j in linear time (uncapped)', async (shape) => {
    const { maskUncapped } = await import('../src/mask-secrets.js');
    const text = shape.repeat(Math.ceil(65_536 / shape.length)).slice(0, 65_536);
    maskUncapped(text); // warm up
    const started = performance.now();
    maskUncapped(text);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('cuts text over 8 KB at a whitespace and says how much it left out; idempotent', () => {
    const long = `${'word '.repeat(4000)}http://admin:s3cret@host`;
    const masked = maskSecrets(long);
    expect(masked.length).toBeLessThanOrEqual(8192);
    expect(masked).toMatch(/^word word .* … \[\d+ more characters not shown\]$/);
    expect(masked).not.toMatch(/s3cret/);
    expect(maskSecrets(masked)).toBe(masked);
    // One 10 KB word: nothing of it is shown (a cut could halve a credential).
    expect(maskSecrets('x'.repeat(10_000))).toBe(' … [10000 more characters not shown]');
  });

  it('masks cookies, ?sig=, "auth" and escaped quotes, and leaves prose and fencing tokens alone', () => {
    expect(maskSecrets('Cookie: sid=s3cret; theme=dark')).toBe('Cookie: ***');
    expect(maskSecrets('Set-Cookie: sid=s3cret; Path=/; HttpOnly')).toBe('Set-Cookie: ***');
    expect(maskSecrets('{"cookie": "sid=s3cret"}')).toBe('{"cookie": "***"}');
    expect(maskSecrets('GET https://blob.example/x?sv=1&sig=s3cret&se=2')).toBe(
      'GET https://blob.example/x?sv=1&sig=***&se=2',
    );
    expect(maskSecrets('{"auth": "YWRtaW46czNjcmV0"}')).toBe('{"auth": "***"}');
    expect(maskSecrets('{"password":"pa\\"s3cret"}')).toBe('{"password":"***"}');
    // JSON quoted inside a string (a logged request body): the quotes are escaped.
    expect(maskSecrets('body: "{\\"password\\":\\"s3cret\\",\\"user\\":\\"u\\"}"')).toBe(
      'body: "{\\"password\\":\\"***\\",\\"user\\":\\"u\\"}"',
    );
    expect(maskSecrets('X-Vault-Token=s3cret; X-Auth: s3cret')).toBe('X-Vault-Token=***; X-Auth: ***');
    for (const prose of ['fencing token 5', 'the key /election/leader was deleted', 'key=/election/leader']) {
      expect(maskSecrets(prose)).toBe(prose);
    }
    const all = 'Authorization: Digest username="admin", nonce="n0nce", response="s3cret"';
    expect(maskSecrets(maskSecrets(all))).toBe(maskSecrets(all));
  });
});

describe('maskError and errorForLog', () => {
  it('never throw: a frozen or sealed error is handed on as a masked copy of its class', async () => {
    const { maskError } = await import('../src/adapter/index.js');
    const { DuplicateMemberError } = await import('../src/index.js');
    for (const lock of [Object.freeze, Object.seal]) {
      const raw = lock(
        new DuplicateMemberError('b', 'id taken at http://admin:s3cret@etcd.internal:2379', {
          cause: new Error('token=abc123'),
        }),
      );
      const masked = maskError(raw);
      expect(masked).not.toBe(raw);
      expect(masked).toBeInstanceOf(DuplicateMemberError);
      expect(masked).toMatchObject({ code: 'DUPLICATE_MEMBER', memberId: 'b', source: '@election/core' });
      expect(inspect(masked)).not.toMatch(SECRETS);
      expect(maskError(masked)).toBe(masked);
    }
  });

  it('masks in place when it can (same object), the cause chain included, and ends on a cyclic chain', async () => {
    const { errorForLog, maskError } = await import('../src/adapter/index.js');
    const inner = new Error('password=s3cret');
    const outer = new BackendUnavailableError('renewal failed', { cause: inner });
    (inner as { cause?: unknown }).cause = outer; // a cycle
    expect(maskError(outer)).toBe(outer);
    expect(inspect(outer, { depth: 20 })).not.toMatch(SECRETS);
    const { MalformedEntryError } = await import('../src/index.js');
    const logged = errorForLog(new MalformedEntryError('/m/x', 'skipping /m/x: api_key=abc123')) as {
      key?: unknown;
      code?: unknown;
      message: string;
    };
    expect(logged).toMatchObject({ key: '/m/x', code: 'MALFORMED_ENTRY' });
    expect(logged.message).toContain('api_key=***');
  });
});
