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

export class ElectionError extends Error {
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
  }
}

/** A member id outside the allowed set. */
export class InvalidIdError extends ElectionError {
  constructor(message: string, options?: ElectionErrorOptions) {
    super('INVALID_ID', message, options);
  }
}

/** An option that is missing, of the wrong type, or out of the backend's range. */
export class ConfigurationError extends ElectionError {
  constructor(message: string, options?: ElectionErrorOptions) {
    super('INVALID_OPTION', message, options);
  }
}

/** The id is already registered by another live node; that node keeps its membership. */
export class DuplicateMemberError extends ElectionError {
  readonly memberId: string;
  constructor(memberId: string, message: string, options?: ElectionErrorOptions) {
    super('DUPLICATE_MEMBER', message, options);
    this.memberId = memberId;
  }
}

/** The backend could not be reached or answered with an error; the caller may retry. */
export class BackendUnavailableError extends ElectionError {
  constructor(message: string, options?: ElectionErrorOptions) {
    super('BACKEND_UNAVAILABLE', message, options);
  }
}

/** `start()` gave up after the `startTimeoutMs` it was given. */
export class StartTimeoutError extends ElectionError {
  constructor(message: string, options?: ElectionErrorOptions) {
    super('START_TIMEOUT', message, options);
  }
}

/** A call that the elector's lifecycle does not allow now (start after stop, start twice). */
export class LifecycleError extends ElectionError {
  constructor(message: string, options?: ElectionErrorOptions) {
    super('INVALID_STATE', message, options);
  }
}

/** The registration (lease, session) is gone for good; core joins again. */
export class SessionLostError extends ElectionError {
  constructor(message: string, options?: ElectionErrorOptions) {
    super('SESSION_LOST', message, options);
  }
}

/** Leadership ended; the abort reason given to leader-only work. */
export class LeadershipLostError extends ElectionError {
  constructor(message: string, options?: ElectionErrorOptions) {
    super('LEADERSHIP_LOST', message, options);
  }
}

/** An entry under the membership prefix that is not a valid registration; skipped. */
export class MalformedEntryError extends ElectionError {
  readonly key: string;
  constructor(key: string, message: string, options?: ElectionErrorOptions) {
    super('MALFORMED_ENTRY', message, options);
    this.key = key;
  }
}
