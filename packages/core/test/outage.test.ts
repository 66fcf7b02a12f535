import { describe, expect, it } from 'vitest';
import { BackendUnavailableError, createElector, type Logger } from '../src/index.js';
import { member } from './support/fixtures.js';
import { createTestClock } from './support/manual-clock.js';
import { createScriptedBackend } from './support/scripted-backend.js';

type Level = 'debug' | 'info' | 'warn' | 'error';
interface Line {
  readonly level: Level;
  readonly fields: Record<string, unknown>;
  readonly msg: string;
}

function recordingLogger(lines: Line[], bindings: Record<string, unknown> = {}): Logger {
  const at =
    (level: Level) =>
    (first: object | string, msg?: string): void => {
      if (typeof first === 'string') lines.push({ level, fields: { ...bindings }, msg: first });
      else lines.push({ level, fields: { ...bindings, ...first }, msg: msg ?? '' });
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => recordingLogger(lines, { ...bindings, ...more }),
  };
}

/** An elector on a scripted backend (TTL 3 s) whose log lines are recorded; not started. */
function loggedElector(backend = createScriptedBackend()) {
  const clock = createTestClock();
  const lines: Line[] = [];
  const elector = createElector({
    id: 'b',
    membership: backend,
    clock,
    ttlMs: 3000,
    logger: recordingLogger(lines),
    backoff: { random: () => 0.5 },
  });
  return { clock, lines, backend, elector };
}

const unreachable = () =>
  new BackendUnavailableError('[@election/scripted] connect ECONNREFUSED 127.0.0.1:1', {
    cause: new Error('ECONNREFUSED'),
  });

describe('quiet retries: one warning per outage, a summary at most every 30 s, one line on recovery', () => {
  it('an unreachable backend at start: 90 s of failed joins write at most 4 warnings, then one info', async () => {
    const { clock, lines, backend, elector } = loggedElector(
      Object.assign(createScriptedBackend(), { endpoint: 'http://127.0.0.1:1' }),
    );
    let down = true;
    let attempts = 0;
    backend.joinWith = async (request) => {
      if (down) {
        attempts++;
        throw unreachable();
      }
      return backend.openSession(request);
    };
    const errorEvents: unknown[] = [];
    elector.on('error', (event) => errorEvents.push(event.error));
    const started = elector.start();
    for (let elapsed = 0; elapsed < 90_000; elapsed += 100) await clock.advance(100);
    down = false;
    await clock.advance(2000);
    await started;

    const warnings = lines.filter((line) => line.level === 'warn');
    expect(attempts).toBeGreaterThan(60); // capped backoff: about one try a second
    expect(errorEvents.length).toBe(attempts); // subscribers still see every failure
    expect(warnings.length).toBeGreaterThanOrEqual(3);
    expect(warnings.length).toBeLessThanOrEqual(4);
    // The first says what failed, where, and when the next try is; later ones summarise.
    expect(warnings[0]?.msg).toMatch(/^scripted at http:\/\/127\.0\.0\.1:1: .*ECONNREFUSED.*Next try in/);
    expect(warnings[1]?.msg).toMatch(/still failing after 3\d\.\d s \(\d+ failed attempts\)/);
    const times = warnings.map((line) => line.fields.failingForMs as number);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(30_000);
    const recovered = lines.filter((line) => line.level === 'info' && /answers again/.test(line.msg));
    expect(recovered).toHaveLength(1);
    expect(recovered[0]?.msg).toMatch(/after 9\d\.\d s \(\d+ failed attempts\)/);
    // Stack traces (err objects) only at debug, where every failure is.
    expect(lines.filter((line) => line.level !== 'debug' && 'err' in line.fields)).toEqual([]);
    expect(lines.filter((line) => line.level === 'debug' && 'err' in line.fields)).toHaveLength(attempts);
    await elector.stop();
  });

  it('a watch that keeps failing while renewals succeed is one outage: no recovery line, summaries only', async () => {
    const { clock, lines, backend, elector } = loggedElector();
    await elector.start();
    const session = backend.sessions[0]!;
    for (let elapsed = 0; elapsed < 120_000; elapsed += 1000) {
      session.fail(unreachable());
      session.renew(clock.now() + 3000);
      await clock.advance(1000);
    }
    expect(lines.filter((line) => line.level === 'info' && /answers again/.test(line.msg))).toHaveLength(0);
    const warnings = lines.filter((line) => line.level === 'warn');
    expect(warnings.length).toBeGreaterThanOrEqual(4);
    expect(warnings.length).toBeLessThanOrEqual(5);
    expect(warnings.filter((line) => /Retrying quietly/.test(line.msg))).toHaveLength(1);
    await elector.stop();
  });

  it('sessions lost over and over: the losses count into one outage, not a warning each', async () => {
    const { clock, lines, backend, elector } = loggedElector();
    await elector.start();
    for (let elapsed = 0; elapsed < 60_000; elapsed += 500) {
      backend.sessions.at(-1)?.lose();
      await clock.advance(500);
    }
    expect(backend.sessions.length).toBeGreaterThan(30);
    expect(lines.filter((line) => line.level === 'warn').length).toBeLessThanOrEqual(3);
    expect(lines.filter((line) => line.level === 'info').length).toBeLessThanOrEqual(4);
    await elector.stop();
  });

  it('renewal failures after joining: one warning, not leading past the deadline, one info when renewed', async () => {
    const { clock, lines, backend, elector } = loggedElector();
    await elector.start();
    const session = backend.sessions[0]!;
    session.acquireWith = async () => 7n;
    session.emit({ type: 'snapshot', members: [member('b')] });
    await elector.waitForLeadership();
    for (let elapsed = 0; elapsed < 20_000; elapsed += 200) {
      session.fail(unreachable());
      await clock.advance(200);
    }
    expect(elector.state).toMatchObject({ isLeader: false, reason: { kind: 'backend-unreachable' } });
    // Renewals are acknowledged again: leading again at once, the outage over once quiet for a TTL.
    session.renew(clock.now() + 3000);
    await clock.advance(500);
    expect(elector.state).toMatchObject({ isLeader: true, term: 7n });
    for (let elapsed = 0; elapsed < 5000; elapsed += 1000) {
      session.renew(clock.now() + 3000);
      await clock.advance(1000);
    }
    expect(lines.filter((line) => line.level === 'warn')).toHaveLength(1);
    expect(lines.filter((line) => line.level === 'info' && /answers again/.test(line.msg))).toHaveLength(1);
    expect(lines.filter((line) => line.level !== 'debug' && 'err' in line.fields)).toEqual([]);
    await elector.stop();
  });
});
