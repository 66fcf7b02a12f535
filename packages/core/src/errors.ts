/**
 * Every error this project throws or emits is an ElectionError. `code` is stable for programs,
 * the message is for people and says what to change. Messages start with the package that raised
 * them (`[@election/etcd] …`), and the underlying failure is kept as `cause`.
 */
export type ElectionErrorCode =
  | 'INVALID_ID'
  | 'INVALID_OPTION'
  | 'DUPLICATE_MEMBER'
  | 'BACKEND_UNAVAILABLE'
  | 'START_TIMEOUT'
  | 'INVALID_STATE'
  | 'SESSION_LOST'
  | 'LEADERSHIP_LOST'
  | 'MALFORMED_ENTRY';

export interface ElectionErrorOptions {
  readonly cause?: unknown;
  /** The package that raised it, shown as the message prefix. Default `@election/core`. */
  readonly source?: string;
  /** When whoever raised it tries again by itself: in this many ms. */
  readonly retryInMs?: number;
}

/**
 * Marks every ElectionError, whichever copy of this module made it: an app that loads both the ESM
 * and the CJS build (one `import`, one `require`) holds two sets of classes, and a plain
 * `instanceof` would fail across them. `Symbol.for` gives both copies the same key.
 */
const BRAND = Symbol.for('@election/core:ElectionError');

const isBranded = (value: unknown): value is ElectionError =>
  typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;

function isInstance(target: unknown, value: unknown): boolean {
  if (Function.prototype[Symbol.hasInstance].call(target, value)) return true;
  if (!isBranded(value)) return false;
  if (target === ElectionError) return true;
  // A subclass of ours names its code; a user's own subclass does not, and matches by prototype only.
  const code = Object.hasOwn(target as object, 'errorCode')
    ? (target as { errorCode?: unknown }).errorCode
    : undefined;
  return code !== undefined && (value as ElectionError).code === code;
}

export class ElectionError extends Error {
  /**
   * `instanceof` that also holds across the ESM and CJS builds: an error is an `ElectionError` when
   * it carries the brand, and an instance of a subclass when it has that subclass's code.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class on the right of instanceof.
    return isInstance(this, value);
  }

  readonly code: ElectionErrorCode;
  readonly source: string;
  /** When the part that failed tries again by itself (a renewal loop, say): in this many ms. */
  readonly retryInMs: number | undefined;

  constructor(code: ElectionErrorCode, message: string, options: ElectionErrorOptions = {}) {
    const source = options.source ?? '@election/core';
    super(`[${source}] ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.source = source;
    this.retryInMs = options.retryInMs;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/**
 * Whether `value` is an error of this project (from either build, ESM or CJS), optionally with the
 * given code: `isElectionError(error, 'DUPLICATE_MEMBER')`.
 */
export function isElectionError(value: unknown, code?: ElectionErrorCode): value is ElectionError {
  return isBranded(value) && (code === undefined || value.code === code);
}

/** A member id outside the allowed set. */
export class InvalidIdError extends ElectionError {
  static readonly errorCode = 'INVALID_ID';
  constructor(message: string, options?: ElectionErrorOptions) {
    super('INVALID_ID', message, options);
  }
}

/** An option that is missing, of the wrong type, or out of the backend's range. */
export class ConfigurationError extends ElectionError {
  static readonly errorCode = 'INVALID_OPTION';
  constructor(message: string, options?: ElectionErrorOptions) {
    super('INVALID_OPTION', message, options);
  }
}

/** The id is already registered by another live node; that node keeps its membership. */
export class DuplicateMemberError extends ElectionError {
  static readonly errorCode = 'DUPLICATE_MEMBER';
  readonly memberId: string;
  constructor(memberId: string, message: string, options?: ElectionErrorOptions) {
    super('DUPLICATE_MEMBER', message, options);
    this.memberId = memberId;
  }
}

/** The backend could not be reached or answered with an error; the caller may retry. */
export class BackendUnavailableError extends ElectionError {
  static readonly errorCode = 'BACKEND_UNAVAILABLE';
  constructor(message: string, options?: ElectionErrorOptions) {
    super('BACKEND_UNAVAILABLE', message, options);
  }
}

/** `start()` gave up after the `startTimeoutMs` it was given. */
export class StartTimeoutError extends ElectionError {
  static readonly errorCode = 'START_TIMEOUT';
  constructor(message: string, options?: ElectionErrorOptions) {
    super('START_TIMEOUT', message, options);
  }
}

/** A call that the elector's lifecycle does not allow now (start after stop, start twice). */
export class LifecycleError extends ElectionError {
  static readonly errorCode = 'INVALID_STATE';
  constructor(message: string, options?: ElectionErrorOptions) {
    super('INVALID_STATE', message, options);
  }
}

/** The registration (lease, session) is gone for good; core joins again. */
export class SessionLostError extends ElectionError {
  static readonly errorCode = 'SESSION_LOST';
  constructor(message: string, options?: ElectionErrorOptions) {
    super('SESSION_LOST', message, options);
  }
}

/** Leadership ended; the abort reason given to leader-only work. */
export class LeadershipLostError extends ElectionError {
  static readonly errorCode = 'LEADERSHIP_LOST';
  constructor(message: string, options?: ElectionErrorOptions) {
    super('LEADERSHIP_LOST', message, options);
  }
}

/** An entry under the membership prefix that is not a valid registration; skipped. */
export class MalformedEntryError extends ElectionError {
  static readonly errorCode = 'MALFORMED_ENTRY';
  readonly key: string;
  constructor(key: string, message: string, options?: ElectionErrorOptions) {
    super('MALFORMED_ENTRY', message, options);
    this.key = key;
  }
}
