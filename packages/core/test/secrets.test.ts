import { describe, expect, it } from 'vitest';
import { maskSecrets as kitMaskSecrets } from '../src/adapter/index.js';
import {
  BackendUnavailableError,
  createElector,
  type ElectorEvent,
  maskSecrets,
  StartTimeoutError,
} from '../src/index.js';
import { member } from './support/fixtures.js';
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
