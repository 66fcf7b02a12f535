import { describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  checkOption,
  custom,
  defineOptions,
  excluding,
  flag,
  fn,
  integerAtLeast,
  keySegment,
  oneOf,
  optional,
  positiveMs,
  text,
  ttl,
  wholeNumber,
} from '../src/adapter/index.js';

const SOURCE = '@election/x';

/** The message of the ConfigurationError `run` throws, without the `[source] ` prefix. */
function failure(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).source).toBe(SOURCE);
    return (error as Error).message.replace(`[${SOURCE}] `, '');
  }
  throw new Error('did not throw');
}

const LEASE = { min: 2000, max: 86_400_000, wholeSeconds: true, what: 'x lease TTL', why: 'whole seconds' };

/** A PostgreSQL adapter's options: a connection string or a pool, never both; a schema name. */
const pgOptions = defineOptions(SOURCE, {
  notAnObject: 'createPgMembership needs an options object.',
  fields: {
    pool: excluding(
      custom<{ query: unknown } | undefined>((pool) =>
        pool === undefined || typeof (pool as { query?: unknown }).query === 'function'
          ? undefined
          : 'pool must be a pg Pool.',
      ),
      ['connectionString'],
      (given) => `Pass either pool or ${given.join(', ')}, not both.`,
    ),
    connectionString: text('postgres://localhost/postgres'),
    schema: keySegment('election', {
      message: (name, value) => `${name} must be a plain name, got ${JSON.stringify(value)}.`,
    }),
    defaultTtlMs: ttl(10_000, LEASE),
    requestTimeoutMs: positiveMs(2000),
    pollMs: wholeNumber(1000, { min: 10, max: 60_000, unit: 'ms' }),
    mode: oneOf(['listen', 'poll'], 'listen'),
    verbose: flag(false),
    retries: integerAtLeast(3, 0),
    onQuery: fn<(sql: string) => void>(),
    lockDelaySeconds: optional(wholeNumber(0, { min: 0, max: 60, unit: 'seconds' })),
  },
});

describe('defineOptions', () => {
  it("excluding says the clash before or after the option's own check, as the adapter orders it", () => {
    const notAPool = { nope: true };
    const fields = (clashFirst: boolean) => ({
      pool: excluding(
        custom<unknown>((pool) =>
          pool === undefined || pool === notAPool ? 'pool must be a pg Pool.' : undefined,
        ),
        ['connectionString'],
        () => 'Pass either pool or connectionString, not both.',
        { clashFirst },
      ),
      connectionString: text('postgres://localhost/postgres'),
    });
    const both = { pool: notAPool, connectionString: 'postgres://h/db' };
    expect(() => defineOptions(SOURCE, { notAnObject: 'x', fields: fields(false) })(both)).toThrow(
      'pool must be a pg Pool.',
    );
    expect(() => defineOptions(SOURCE, { notAnObject: 'x', fields: fields(true) })(both)).toThrow(
      'Pass either pool or connectionString, not both.',
    );
  });
  it('applies every default and fits a row-based backend (pool or connection string, schema name)', () => {
    expect(pgOptions({})).toEqual({
      pool: undefined,
      connectionString: 'postgres://localhost/postgres',
      schema: 'election',
      defaultTtlMs: 10_000,
      requestTimeoutMs: 2000,
      pollMs: 1000,
      mode: 'listen',
      verbose: false,
      retries: 3,
      onQuery: undefined,
      lockDelaySeconds: undefined,
    });
    const pool = { query: () => {} };
    expect(pgOptions({ pool }).pool).toBe(pool);
  });

  it('refuses a non-object with the adapter message, and mutually exclusive options naming the given ones', () => {
    expect(failure(() => pgOptions(null))).toBe('createPgMembership needs an options object.');
    expect(failure(() => pgOptions({ pool: { query: () => {} }, connectionString: 'postgres://' }))).toBe(
      'Pass either pool or connectionString, not both.',
    );
    expect(failure(() => pgOptions({ pool: {} }))).toBe('pool must be a pg Pool.');
  });

  it('reports the first bad option in the order the schema lists them', () => {
    expect(failure(() => pgOptions({ retries: -1, requestTimeoutMs: 0 }))).toBe(
      'requestTimeoutMs must be a positive number of milliseconds, got 0.',
    );
  });

  it('says each rule in the user units, with what was given', () => {
    expect(failure(() => pgOptions({ requestTimeoutMs: Number.POSITIVE_INFINITY }))).toBe(
      'requestTimeoutMs must be a positive number of milliseconds, got Infinity.',
    );
    expect(failure(() => pgOptions({ pollMs: 1.5 }))).toBe(
      'pollMs must be a whole number of ms from 10 to 60000, got 1.5.',
    );
    expect(failure(() => pgOptions({ pollMs: 60_001 }))).toBe(
      'pollMs must be a whole number of ms from 10 to 60000, got 60001.',
    );
    expect(failure(() => pgOptions({ mode: 'push' }))).toBe('mode must be "listen" or "poll", got "push".');
    expect(failure(() => pgOptions({ verbose: 'yes' }))).toBe('verbose must be true or false.');
    expect(failure(() => pgOptions({ retries: 0.5 }))).toBe('retries must be an integer >= 0, got 0.5.');
    expect(failure(() => pgOptions({ onQuery: 'log' }))).toBe('onQuery must be a function.');
    expect(failure(() => pgOptions({ connectionString: '' }))).toBe(
      'connectionString must be a non-empty string when given.',
    );
    expect(failure(() => pgOptions({ schema: 'a/b' }))).toBe('schema must be a plain name, got "a/b".');
    expect(pgOptions({ lockDelaySeconds: 0 }).lockDelaySeconds).toBe(0);
    expect(failure(() => pgOptions({ lockDelaySeconds: 61 }))).toBe(
      'lockDelaySeconds must be a whole number of seconds from 0 to 60, got 61.',
    );
  });

  it('prefixes nested option names', () => {
    const probe = defineOptions(SOURCE, {
      notAnObject: 'probe must be an object.',
      namePrefix: 'probe.',
      fields: { intervalMs: integerAtLeast(1000, 1) },
    });
    expect(failure(() => probe({ intervalMs: 0 }))).toBe('probe.intervalMs must be an integer >= 1, got 0.');
  });
});

describe('ttl', () => {
  it('whole seconds within the range; the message suggests the nearest valid TTL at or below', () => {
    expect(checkOption(SOURCE, ttl(undefined, LEASE), 'ttlMs', 3000)).toBe(3000);
    const message = (value: unknown) =>
      failure(() => checkOption(SOURCE, ttl(undefined, LEASE), 'ttlMs', value));
    expect(message(2500)).toBe(
      'ttlMs 2500 is not a valid x lease TTL: it must be a whole number of seconds between 2000 and 86400000 ms (whole seconds). Use 2000, for example.',
    );
    expect(message(5500)).toMatch(/Use 5000, for example\.$/);
    expect(message(1000)).toMatch(/Use 2000, for example\.$/);
    expect(message(90_000_000)).toMatch(/Use 86400000, for example\.$/);
    expect(message(undefined)).toBe('ttlMs must be a number of milliseconds, got undefined.');
    expect(message(Number.NaN)).toBe('ttlMs must be a number of milliseconds, got NaN.');
  });

  it('a backend that counts milliseconds takes any TTL in range', () => {
    const range = { ...LEASE, wholeSeconds: false };
    expect(checkOption(SOURCE, ttl(undefined, range), 'ttlMs', 2500)).toBe(2500);
    expect(failure(() => checkOption(SOURCE, ttl(undefined, range), 'ttlMs', 1500))).toMatch(
      /must be a number of milliseconds between 2000 and 86400000 ms/,
    );
  });
});

describe('keySegment', () => {
  const strict = {
    c1: true,
    dots: true,
    whitespace: true,
    reasons: { dots: 'no traversal', slashes: 'keys', whitespace: 'remove it' },
  } as const;
  const segment = (value: unknown, options: Parameters<typeof keySegment>[1] = strict) =>
    failure(() => checkOption(SOURCE, keySegment('d', options), 'election', value));

  it('refuses each broken rule with its own message, and the adapter reason in parentheses', () => {
    expect(segment('')).toBe('election must be a non-empty string.');
    expect(segment(7)).toBe('election must be a non-empty string.');
    expect(segment('a\u0085b')).toBe('election "a\u0085b" contains a control character.');
    expect(segment('a/b')).toBe('election "a/b" must not contain "/".');
    expect(segment(' a')).toBe('election " a" must not start or end with whitespace (remove it).');
    expect(segment('..')).toBe('election ".." must not contain "." or ".." segments (no traversal).');
    const path = { ...strict, slashes: 'inner' } as const;
    expect(segment('a/../b', path)).toBe(
      'election "a/../b" must not contain "." or ".." segments (no traversal).',
    );
    expect(segment('/a', path)).toBe('election "/a" must not start or end with "/" nor contain "//" (keys).');
    expect(segment('a//b', path)).toBe(
      'election "a//b" must not start or end with "/" nor contain "//" (keys).',
    );
    expect(checkOption(SOURCE, keySegment('d', path), 'prefix', 'a/b')).toBe('a/b');
  });

  it('C1 controls only when asked; dots and whitespace only when asked', () => {
    expect(checkOption(SOURCE, keySegment('d'), 'election', 'a\u0085b')).toBe('a\u0085b');
    expect(segment('a\u0001b', {})).toBe('election "a\\u0001b" contains a control character.');
    expect(checkOption(SOURCE, keySegment('d'), 'election', '..')).toBe('..');
    expect(checkOption(SOURCE, keySegment('d'), 'election', ' a ')).toBe(' a ');
  });

  it('trim drops slashes at either end, refuses "//" and an empty path; one message for every rule', () => {
    const trim = { slashes: 'trim', message: (name: string) => `${name} is bad.` } as const;
    expect(checkOption(SOURCE, keySegment('d', trim), 'prefix', '/a/b/')).toBe('a/b');
    expect(checkOption(SOURCE, keySegment('d', trim), 'prefix', undefined)).toBe('d');
    expect(segment('///', trim)).toBe('election is bad.');
    expect(segment('a//b', trim)).toBe('election is bad.');
    expect(segment('a\nb', trim)).toBe('election is bad.');
  });
});
