import { BackendUnavailableError, ConfigurationError, ElectionError } from '@election/core';
import { SOURCE } from './source.js';

/**
 * A failed Consul request reduced to plain data. The `consul` client's own errors carry the whole
 * HTTP exchange (request headers included, so the ACL token); they must never reach a log, so only
 * this summary is kept as the `cause`.
 */
export class ConsulRequestError extends Error {
  readonly statusCode: number | undefined;
  readonly code: string | undefined;
  constructor(message: string, statusCode: number | undefined, code: string | undefined) {
    super(message);
    this.name = 'ConsulRequestError';
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

function bodyText(body: unknown): string | undefined {
  if (typeof body === 'string') return body.trim().slice(0, 300);
  if (Buffer.isBuffer(body)) return body.toString('utf8').trim().slice(0, 300);
  return undefined;
}

/** Strips whatever the client attached (responses, sockets, headers) down to status, code and text. */
export function summarize(error: unknown): ConsulRequestError {
  if (error instanceof ConsulRequestError) return error;
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
  return new ConsulRequestError(message.replace(/^consul: /, ''), statusCode, code);
}

/** The ElectionError for a failed request: a configuration problem when the answer says so, else unavailable. */
export function toConsulError(what: string, error: unknown): ElectionError {
  const cause = summarize(error);
  const options = { source: SOURCE, cause };
  if (cause.statusCode === 403) {
    return new ConfigurationError(
      `Consul refused ${what} (${cause.message}). Check the ACL token: it needs key:write on the election prefix and session:write.`,
      options,
    );
  }
  if (/No path to datacenter/i.test(cause.message)) {
    return new ConfigurationError(
      `Consul knows no such datacenter (${cause.message}). Fix the datacenter option.`,
      options,
    );
  }
  if (/Session TTL/i.test(cause.message)) {
    return new ConfigurationError(
      `Consul rejected the session TTL (${cause.message}). Use a TTL within the server's session_ttl_min and 86400 s.`,
      options,
    );
  }
  return new BackendUnavailableError(`${what} failed: ${cause.message}`, options);
}

export function isNotFound(error: unknown): boolean {
  return summarize(error).statusCode === 404;
}

/** Anything caught, as an ElectionError (ElectionErrors pass through unchanged). */
export function asElectionError(error: unknown, what: string): ElectionError {
  return error instanceof ElectionError ? error : toConsulError(what, error);
}
