import { ConfigurationError } from '../errors.js';

/**
 * An adapter's options as a declarative schema: `defineOptions(SOURCE, { fields: { election:
 * keySegment('default'), requestTimeoutMs: positiveMs(2000), … } })` returns the resolver that
 * checks them in the order written, applies the defaults and throws a ConfigurationError of the
 * adapter's `source` whose message names the option, what it must be (in the user's units) and
 * what was given. A schema rather than a helper per check: the fields read as a table of the
 * adapter's options, and the wording of every rule is written once, here, parameterised where
 * adapters differ (their messages are API). Nothing in it assumes keys: a row-based backend's
 * `schema` or `connectionString` is a field like any other.
 */
export interface OptionRule<T> {
  /** Checks `value` (undefined when not given) of option `name`; `context.fail` throws. */
  resolve(name: string, value: unknown, context: OptionContext): T;
}

export interface OptionContext {
  /** Throws the adapter's ConfigurationError with `message`. */
  fail(message: string): never;
  /** Every option given, for rules that look at another (exclusive options). */
  readonly options: Readonly<Record<string, unknown>>;
}

export type ResolvedOptionsOf<F> = { readonly [K in keyof F]: F[K] extends OptionRule<infer T> ? T : never };

export interface OptionSchema<F> {
  /** The message when the options are not an object: it names the function and shows a call. */
  readonly notAnObject: string;
  /** Prepended to each option's name in messages (`probe.` for a nested object). */
  readonly namePrefix?: string;
  readonly fields: F;
}

/** The resolver of `schema`: checks every field in order; throws the first ConfigurationError. */
export function defineOptions<F extends Record<string, OptionRule<unknown>>>(
  source: string,
  schema: OptionSchema<F>,
): (options: unknown) => ResolvedOptionsOf<F> {
  const fail = (message: string): never => {
    throw new ConfigurationError(message, { source });
  };
  return (options) => {
    if (typeof options !== 'object' || options === null) fail(schema.notAnObject);
    const given = options as Record<string, unknown>;
    const context: OptionContext = { fail, options: given };
    const resolved: Record<string, unknown> = {};
    for (const [key, rule] of Object.entries(schema.fields))
      resolved[key] = rule.resolve(`${schema.namePrefix ?? ''}${key}`, given[key], context);
    return resolved as ResolvedOptionsOf<F>;
  };
}

/** Checks one value against `rule` outside a schema (a TTL passed to a method, say). */
export function checkOption<T>(source: string, rule: OptionRule<T>, name: string, value: unknown): T {
  return defineOptions(source, { notAnObject: '', fields: { [name]: rule } })({ [name]: value })[name] as T;
}

/** A rule of the adapter's own (a nested object, a normalised value): just its resolve function. */
export const optionRule = <T>(resolve: OptionRule<T>['resolve']): OptionRule<T> => ({ resolve });
const rule = optionRule;

/** `rule`, or undefined when the option is not given (no default). */
export function optional<T>(inner: OptionRule<T>): OptionRule<T | undefined> {
  return rule((name, value, context) =>
    value === undefined ? undefined : inner.resolve(name, value, context),
  );
}

/** A positive, finite number of milliseconds. */
export function positiveMs(fallback: number): OptionRule<number> {
  return rule((name, value, { fail }) => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
      fail(`${name} must be a positive number of milliseconds, got ${String(value)}.`);
    return value as number;
  });
}

/** A whole number from `min` to `max` of `unit` ("ms", "seconds", "a TCP port"). */
export function wholeNumber(
  fallback: number,
  { min, max, unit }: { readonly min: number; readonly max: number; readonly unit: string },
): OptionRule<number> {
  return rule((name, value, { fail }) => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
      fail(`${name} must be a whole number of ${unit} from ${min} to ${max}, got ${String(value)}.`);
    return value as number;
  });
}

/** An integer of at least `min` (a count, a threshold). */
export function integerAtLeast(fallback: number, min: number): OptionRule<number> {
  return rule((name, value, { fail }) => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min)
      fail(`${name} must be an integer >= ${min}, got ${String(value)}.`);
    return value as number;
  });
}

/** true or false. */
export function flag(fallback: boolean): OptionRule<boolean> {
  return rule((name, value, { fail }) => {
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') fail(`${name} must be true or false.`);
    return value as boolean;
  });
}

/** A non-empty string (a host, a token, a connection string), `fallback` when not given. */
export function text<D extends string | undefined>(fallback: D): OptionRule<string | D> {
  return rule((name, value, { fail }) => {
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || value.length === 0)
      fail(`${name} must be a non-empty string when given.`);
    return value as string;
  });
}

/** One of a few literal strings. */
export function oneOf<const V extends string>(values: readonly V[], fallback: V): OptionRule<V> {
  return rule((name, value, { fail }) => {
    if (value === undefined) return fallback;
    if (!values.includes(value as V)) {
      const listed = values.map((v) => JSON.stringify(v));
      const choices = `${listed.slice(0, -1).join(', ')} or ${listed.at(-1)}`;
      fail(`${name} must be ${choices}, got ${JSON.stringify(value)}.`);
    }
    return value as V;
  });
}

/** A function (a custom probe, a hook), passed through. */
export function fn<T extends (...args: never[]) => unknown>(): OptionRule<T | undefined> {
  return rule((name, value, { fail }) => {
    if (value !== undefined && typeof value !== 'function') fail(`${name} must be a function.`);
    return value as T | undefined;
  });
}

/**
 * Anything `check` accepts, passed through as it is (a client, a pool, a list): `check` returns
 * the message to fail with, or undefined. Runs for an absent option too (`value` undefined), so a
 * required option can say so.
 */
export function custom<T>(check: (value: unknown, name: string) => string | undefined): OptionRule<T> {
  return rule((name, value, { fail }) => {
    const message = check(value, name);
    if (message !== undefined) fail(message);
    return value as T;
  });
}

/**
 * An option that excludes others (`client` vs `endpoints`/`tls`/`auth`): `inner` checks it, then,
 * when it is given, `clash(names)` is the message if any of `others` is given too. With
 * `clashFirst`, the clash is said before `inner`'s own check (the order is part of an adapter's
 * messages: etcd says the clash first, Consul the client's shape).
 */
export function excluding<T>(
  inner: OptionRule<T>,
  others: readonly string[],
  clash: (given: readonly string[]) => string,
  { clashFirst = false }: { readonly clashFirst?: boolean } = {},
): OptionRule<T> {
  return rule((name, value, context) => {
    const checkClash = () => {
      const given = others.filter((other) => context.options[other] !== undefined);
      if (value !== undefined && given.length > 0) context.fail(clash(given));
    };
    if (clashFirst) checkClash();
    const resolved = inner.resolve(name, value, context);
    if (!clashFirst) checkClash();
    return resolved;
  });
}

/** The rules a key segment or path can break, in the order they are checked. */
export type KeyRule = 'empty' | 'control' | 'slash' | 'whitespace' | 'dots' | 'slashes';

export interface KeySegmentOptions {
  /**
   * `none` (a name between two slashes: no "/"), `inner` (a path: "/" between segments, never at
   * either end nor doubled), or `trim` ("/" at either end is dropped, "//" refused).
   */
  readonly slashes?: 'none' | 'inner' | 'trim';
  /** Refuse DEL and C1 control characters too, not only C0. Default false. */
  readonly c1?: boolean;
  /** Refuse "." and ".." segments (path traversal). Default false. */
  readonly dots?: boolean;
  /** Refuse whitespace at either end. Default false. */
  readonly whitespace?: boolean;
  /** Why a rule holds, in the adapter's words: appended in parentheses to that rule's message. */
  readonly reasons?: Partial<Record<KeyRule, string>>;
  /** One message for every broken rule, instead of a message per rule. */
  readonly message?: (name: string, value: unknown) => string;
}

function brokenKeyRule(value: unknown, options: KeySegmentOptions): KeyRule | undefined {
  const slashes = options.slashes ?? 'none';
  if (typeof value !== 'string') return 'empty';
  const text = slashes === 'trim' ? value.replace(/^\/+|\/+$/g, '') : value;
  if (text.length === 0) return 'empty';
  if (hasControlCharacter(text, { c1: options.c1 ?? false })) return 'control';
  if (slashes === 'none' && text.includes('/')) return 'slash';
  if (options.whitespace && text.trim() !== text) return 'whitespace';
  if (options.dots && text.split('/').some((segment) => segment === '.' || segment === '..')) return 'dots';
  if (text.includes('//') || (slashes === 'inner' && (text.startsWith('/') || text.endsWith('/'))))
    return 'slashes';
  return undefined;
}

function keyRuleMessage(name: string, value: unknown, broken: KeyRule, reason: string | undefined): string {
  const quoted = `${name} ${JSON.stringify(value)}`;
  const why = reason === undefined ? '' : ` (${reason})`;
  switch (broken) {
    case 'empty':
      return `${name} must be a non-empty string${why}.`;
    case 'control':
      return `${quoted} contains a control character${why}.`;
    case 'slash':
      return `${quoted} must not contain "/"${why}.`;
    case 'whitespace':
      return `${quoted} must not start or end with whitespace${why}.`;
    case 'dots':
      return `${quoted} must not contain "." or ".." segments${why}.`;
    case 'slashes':
      return `${quoted} must not start or end with "/" nor contain "//"${why}.`;
  }
}

/**
 * A name that becomes part of a key or an identifier (an election, a prefix, a schema): a
 * non-empty string without control characters, with "/" as `slashes` says. Resolves to the value
 * (slashes trimmed under `trim`).
 */
export function keySegment(fallback: string, options: KeySegmentOptions = {}): OptionRule<string> {
  return rule((name, value, { fail }) => {
    if (value === undefined) return fallback;
    const broken = brokenKeyRule(value, options);
    if (broken !== undefined)
      fail(options.message?.(name, value) ?? keyRuleMessage(name, value, broken, options.reasons?.[broken]));
    const resolved = value as string;
    return options.slashes === 'trim' ? resolved.replace(/^\/+|\/+$/g, '') : resolved;
  });
}

export interface TtlRange {
  readonly min: number;
  readonly max: number;
  /** The backend counts TTLs in whole seconds (etcd leases, Consul sessions). */
  readonly wholeSeconds: boolean;
  /** What a valid TTL is called in the message: "etcd lease TTL". */
  readonly what: string;
  /** Why the range is what it is, in the adapter's words. */
  readonly why: string;
}

/**
 * A TTL in ms the backend honours: a finite number, from `min` to `max`, whole seconds when the
 * backend counts seconds. The message suggests the nearest valid TTL at or below the one given.
 * Without a `fallback`, an absent TTL fails like any other non-number.
 */
export function ttl(fallback: number | undefined, range: TtlRange): OptionRule<number> {
  const { min, max, wholeSeconds, what, why } = range;
  return rule((name, value, { fail }) => {
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value))
      fail(`${name} must be a number of milliseconds, got ${String(value)}.`);
    const ms = value as number;
    if ((wholeSeconds && ms % 1000 !== 0) || ms < min || ms > max) {
      const lower = Math.max(min, wholeSeconds ? Math.floor(ms / 1000) * 1000 : ms);
      const kind = wholeSeconds ? 'a whole number of seconds' : 'a number of milliseconds';
      fail(
        `${name} ${ms} is not a valid ${what}: it must be ${kind} between ${min} and ${max} ms (${why}). ` +
          `Use ${Math.min(lower, max)}, for example.`,
      );
    }
    return ms;
  });
}

/**
 * True when `text` holds a C0 control character (invisible in logs, a hazard in key paths), or,
 * with `c1`, also DEL or a C1 control character.
 */
export function hasControlCharacter(text: string, { c1 = false }: { readonly c1?: boolean } = {}): boolean {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x20 || (c1 && unit >= 0x7f && unit <= 0x9f)) return true;
  }
  return false;
}
