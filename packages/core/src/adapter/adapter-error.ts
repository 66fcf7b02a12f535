import { BackendUnavailableError, ConfigurationError, ElectionError } from '../errors.js';
import { maskError } from '../mask-error.js';
import { maskSecrets } from '../mask-secrets.js';

/**
 * Turns whatever a backend client threw into an ElectionError of this adapter. `classify` picks
 * out the failures that retrying will not fix (bad credentials, a wrong datacenter) and returns a
 * ConfigurationError for them; anything else becomes a BackendUnavailableError that core retries.
 */
export type ErrorClassifier = (
  error: unknown,
  action: string,
  reason: string,
  source: string,
) => ElectionError | undefined;

/** Maps `(error, action)` to an ElectionError; `action` reads after "Could not …". */
/** `retryInMs`: the adapter retries by itself that much later (carried as the error's `retryInMs`). */
export type ErrorMapper = (error: unknown, action: string, retryInMs?: number) => ElectionError;

/** The text of a failure, with anything credential-like masked: messages and logs never carry one. */
export function describeFailure(error: unknown): string {
  const text = maskSecrets(error instanceof Error ? error.message : String(error));
  // grpc-js ends some messages with an empty "Resolution note: ".
  return text.replace(/\s*Resolution note:\s*$/, '');
}

/**
 * One row of an adapter's classification table: a failure that retrying will not fix. `when`
 * matches the failure (an error class, a status code, the text the server sends); `message` says
 * what to change. The error is a ConfigurationError with the failure as `cause`.
 */
export interface FailureRule<F = unknown> {
  readonly when: (failure: F) => boolean;
  readonly message: (failure: F, action: string, reason: string) => string;
}

/** The classifier of a table of rules: the first that matches makes the error. */
export function classifyBy<F = unknown>(rules: readonly FailureRule<F>[]): ErrorClassifier {
  return (error, action, reason, source) => {
    const failure = error as F;
    const rule = rules.find((candidate) => candidate.when(failure));
    return rule && new ConfigurationError(rule.message(failure, action, reason), { source, cause: error });
  };
}

/**
 * A failed request reduced to plain data: status, code and text. An HTTP client's own errors may
 * carry the whole exchange (request headers included, so a token or a password); they must never
 * reach a log, so only this summary is kept as the `cause`. Adapters name their own subclass.
 */
export class RequestFailure extends Error {
  readonly statusCode: number | undefined;
  readonly code: string | undefined;
  constructor(message: string, statusCode: number | undefined, code: string | undefined) {
    super(message);
    this.name = 'RequestFailure';
    this.statusCode = statusCode;
    this.code = code;
  }
}

interface ClientErrorShape {
  readonly message?: unknown;
  readonly code?: unknown;
  readonly statusCode?: unknown;
  readonly response?: { readonly statusCode?: unknown; readonly body?: unknown };
}

/** The first 300 characters of a response body (text, or bytes read as UTF-8). */
function bodyText(body: unknown): string | undefined {
  if (typeof body === 'string') return body.trim().slice(0, 300);
  if (body instanceof Uint8Array) return new TextDecoder().decode(body).trim().slice(0, 300);
  return undefined;
}

/**
 * Strips whatever an HTTP client attached to `error` (responses, sockets, headers) down to a
 * `Failure` (a RequestFailure class): the status (`response.statusCode` or `statusCode`), a string
 * `code`, and the response body's text or else the message, as `HTTP <status>: <text>`, without
 * the client's own `prefix` ("consul: "). A `Failure` passes through as it is.
 */
export function summarizeRequestFailure<F extends RequestFailure>(
  error: unknown,
  Failure: new (message: string, statusCode: number | undefined, code: string | undefined) => F,
  prefix?: RegExp,
): F {
  if (error instanceof Failure) return error;
  const shape = (typeof error === 'object' && error !== null ? error : {}) as ClientErrorShape;
  const statusCode =
    typeof shape.response?.statusCode === 'number'
      ? shape.response.statusCode
      : typeof shape.statusCode === 'number'
        ? shape.statusCode
        : undefined;
  const code = typeof shape.code === 'string' ? shape.code : undefined;
  const text =
    bodyText(shape.response?.body) ?? (typeof shape.message === 'string' ? shape.message : String(error));
  const message = statusCode === undefined ? text : `HTTP ${statusCode}: ${text}`;
  return new Failure(prefix === undefined ? message : message.replace(prefix, ''), statusCode, code);
}

export interface ErrorMapperOptions {
  /**
   * What the classifier sees and the error keeps as `cause` instead of the client's own error
   * (summarizeRequestFailure, when that one carries credentials). Default: the error as it is.
   */
  readonly summarize?: (error: unknown) => Error;
}

/**
 * The error helper every adapter builds once: `const toElectionError = createErrorMapper(SOURCE,
 * classify)`, then `throw toElectionError(error, 'renew the lease')`. An ElectionError passes
 * through, masked (see maskError); the original failure (or its summary) is kept as `cause`,
 * masked; the message starts `[<source>]`. `classify` is a function or a table of FailureRules.
 */
export function createErrorMapper(
  source: string,
  classify?: ErrorClassifier | readonly FailureRule[],
  options: ErrorMapperOptions = {},
): ErrorMapper {
  const classifier = Array.isArray(classify)
    ? classifyBy(classify)
    : (classify as ErrorClassifier | undefined);
  const map = (error: unknown, action: string): ElectionError => {
    if (error instanceof ElectionError) return maskError(error);
    const cause = options.summarize?.(error) ?? error;
    const reason = describeFailure(cause);
    const classified = classifier?.(cause, action, reason, source);
    if (classified !== undefined) return maskError(classified);
    return maskError(new BackendUnavailableError(`Could not ${action}: ${reason}`, { source, cause }));
  };
  return (error, action, retryInMs) => {
    const mapped = map(error, action);
    if (retryInMs !== undefined && mapped.retryInMs === undefined && !Object.isFrozen(mapped))
      (mapped as { retryInMs: number | undefined }).retryInMs = retryInMs;
    return mapped;
  };
}
