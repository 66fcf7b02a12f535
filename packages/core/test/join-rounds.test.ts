import { describe, expect, it } from 'vitest';
import { DuplicateMemberError, joinRounds } from '../src/adapter/index.js';
import { recordingLogger } from './support/recording-logger.js';

type Attempt = { registered: string } | { holder: string | undefined };

/** A join whose registration attempts answer `attempts` in turn; records every step. */
function rounds(
  attempts: Attempt[],
  options: {
    takeover?: boolean;
    abandoned?: string[];
    live?: string[];
    onWait?: () => void;
  } = {},
) {
  const steps: string[] = [];
  const controller = new AbortController();
  const run = joinRounds<string, string>({
    signal: controller.signal,
    takeover: options.takeover ?? false,
    maxRounds: 4,
    tooManyRounds: () => new Error('kept changing'),
    register: async () => {
      const next = attempts.shift() ?? { holder: 'x' };
      steps.push(
        'registered' in next ? `register → ${next.registered}` : `register → held by ${next.holder}`,
      );
      return next;
    },
    duplicate: (holder) =>
      options.live?.includes(holder) ? new DuplicateMemberError('a', `${holder} is live`) : undefined,
    abandoned: (holder) => options.abandoned?.includes(holder) ?? false,
    revoke: async (holder, why) => {
      steps.push(`revoke ${holder} (${why})`);
    },
    beforeWait: () => {
      steps.push('give up own registration');
    },
    waitOut: async (holder) => {
      steps.push(`wait out ${holder}`);
      options.onWait?.();
    },
  });
  return { run, steps, controller };
}

describe('joinRounds', () => {
  it('registers at once when the id is free', async () => {
    const { run, steps } = rounds([{ registered: 'lease-1' }]);
    await expect(run).resolves.toBe('lease-1');
    expect(steps).toEqual(['register → lease-1']);
  });

  it('a holder that vanished before it was read: tries again', async () => {
    const { run, steps } = rounds([{ holder: undefined }, { registered: 'lease-1' }]);
    await expect(run).resolves.toBe('lease-1');
    expect(steps).toEqual(['register → held by undefined', 'register → lease-1']);
  });

  it('an abandoned holder is revoked at once; any other is waited out after giving up our own registration', async () => {
    const { run, steps } = rounds([{ holder: 'old' }, { holder: 'crashed' }, { registered: 'lease-2' }], {
      abandoned: ['old'],
    });
    await expect(run).resolves.toBe('lease-2');
    expect(steps).toEqual([
      'register → held by old',
      'revoke old (abandoned)',
      'register → held by crashed',
      'give up own registration',
      'wait out crashed',
      'register → lease-2',
    ]);
  });

  it('takeover revokes any holder at once, never waits', async () => {
    const { run, steps } = rounds([{ holder: 'crashed' }, { registered: 'lease-1' }], { takeover: true });
    await expect(run).resolves.toBe('lease-1');
    expect(steps).toEqual(['register → held by crashed', 'revoke crashed (takeover)', 'register → lease-1']);
  });

  it('a live duplicate ends the join before any revocation, even under takeover', async () => {
    const { run, steps } = rounds([{ holder: 'me' }], { takeover: true, live: ['me'] });
    await expect(run).rejects.toThrow(DuplicateMemberError);
    expect(steps).toEqual(['register → held by me']);
  });

  it('gives up after maxRounds with the adapter error', async () => {
    const { run, steps } = rounds([], { takeover: true });
    await expect(run).rejects.toThrow('kept changing');
    expect(steps.filter((step) => step.startsWith('register'))).toHaveLength(4);
  });

  it('an abort during a wait starts no further round', async () => {
    const { run, steps, controller } = rounds([{ holder: 'crashed' }, { registered: 'lease-1' }], {
      onWait: () => controller.abort(new Error('stopped')),
    });
    await expect(run).rejects.toThrow('stopped');
    expect(steps).toEqual(['register → held by crashed', 'give up own registration', 'wait out crashed']);
  });
});

describe('joinRounds: the join’s own registration', () => {
  it('made before a round without one, given up before a wait and on failure, kept on success', async () => {
    const steps: string[] = [];
    let made = 0;
    const run = (attempts: Array<{ registered: string } | { holder: string } | Error>) =>
      joinRounds<string, string, string>({
        signal: new AbortController().signal,
        takeover: false,
        own: {
          create: async () => {
            steps.push(`create own ${++made}`);
            return `own ${made}`;
          },
          discard: async (own) => {
            steps.push(`discard ${own}`);
          },
        },
        register: async (own) => {
          const next = attempts.shift() ?? new Error('no more attempts');
          if (next instanceof Error) throw next;
          steps.push(`register on ${own}`);
          return next;
        },
        revoke: async () => {},
        waitOut: async (holder) => {
          steps.push(`wait out ${holder}`);
        },
      });
    await expect(run([{ holder: 'crashed' }, { registered: 'joined' }])).resolves.toBe('joined');
    expect(steps).toEqual([
      'create own 1',
      'register on own 1',
      'discard own 1',
      'wait out crashed',
      'create own 2',
      'register on own 2',
    ]);
    steps.length = 0;
    await expect(run([new Error('backend down')])).rejects.toThrow('backend down');
    expect(steps).toEqual(['create own 3', 'discard own 3']);
  });

  it("logs one info line before each revocation, saying why, with the backend's fields", async () => {
    const { logger, lines } = recordingLogger();
    const attempts: Attempt[] = [{ holder: 'old' }, { holder: 'live' }, { registered: 'lease-3' }];
    const registration = await joinRounds<string, string>({
      signal: new AbortController().signal,
      takeover: true,
      register: async () => attempts.shift() ?? { holder: 'x' },
      abandoned: (holder) => holder === 'old',
      revoke: async () => {},
      waitOut: async () => {},
      log: { logger, id: 'node-a', fields: (holder) => ({ lease: holder }), takeoverNote: ' (note)' },
    });
    expect(registration).toBe('lease-3');
    expect(lines.map(({ level, fields, msg }) => [level, fields, msg])).toEqual([
      ['info', '{"lease":"old"}', 'revoking the registration of node-a that this node abandoned earlier'],
      [
        'info',
        '{"lease":"live"}',
        'takeover: revoking the previous registration of node-a to join at once (note)',
      ],
    ]);
  });
});
