import {
  createErrorMapper,
  type FailureRule,
  RequestFailure,
  summarizeRequestFailure,
} from '@election/core/adapter';
import { SOURCE } from './source.js';

/**
 * A failed Consul request reduced to plain data (see RequestFailure). The `consul` client's own
 * errors carry the whole HTTP exchange (request headers included, so the ACL token); they must
 * never reach a log, so only this summary is kept as the `cause`.
 */
export class ConsulRequestError extends RequestFailure {
  override readonly name = 'ConsulRequestError';
}

/** Strips whatever the client attached (responses, sockets, headers) down to status, code and text. */
export function summarize(error: unknown): ConsulRequestError {
  return summarizeRequestFailure(error, ConsulRequestError, /^consul: /);
}

/** What the request was sent with, where that changes what an answer means: the `?dc=` option. */
type RequestContext = { readonly datacenter?: string | undefined };

/**
 * The answers that retrying will not fix, each matched to the text Consul itself sends:
 * - 403: the ACL token lacks a permission.
 * - "No path to datacenter" (agent/consul/rpc.go, structs.ErrNoDCPath): no such datacenter.
 * - "cross datacenter lock must be created at server agent" (agent/session_endpoint.go,
 *   SessionCreate): a client agent refuses to create a session in another datacenter.
 * - "Missing node registration" (agent/consul/state, ErrMissingNode) while `datacenter` names
 *   another datacenter: a session is bound to this agent's node, which is registered only in its
 *   own datacenter's catalog. Without a `datacenter` option it is the transient answer of an agent
 *   that has not registered itself yet, and stays retryable.
 * - 400 from the agent's key validation (validateKVKey): the prefix or election holds a character
 *   a current agent refuses in keys (member ids are encoded, so they never do).
 * - "Session TTL" / "Invalid Session TTL": the TTL is outside the server's session_ttl_min..24h.
 */
function rules(context: RequestContext): FailureRule<ConsulRequestError>[] {
  return [
    {
      when: (cause) => cause.statusCode === 403,
      message: (cause, action) =>
        `Consul refused ${action} (${cause.message}). Check the ACL token: it needs key:write on the election prefix and session:write.`,
    },
    {
      when: (cause) => /No path to datacenter/i.test(cause.message),
      message: (cause) => `Consul knows no such datacenter (${cause.message}). Fix the datacenter option.`,
    },
    {
      when: (cause) => /cross datacenter lock must be created at server agent/i.test(cause.message),
      message: (cause) =>
        `Consul cannot create this node's session in datacenter "${context.datacenter ?? '?'}" through a client agent (${cause.message}). Point the adapter at an agent of that datacenter, or drop the datacenter option.`,
    },
    {
      when: (cause) => context.datacenter !== undefined && /Missing node registration/i.test(cause.message),
      message: (cause) =>
        `Consul sessions are bound to the agent's node, which datacenter "${context.datacenter}" does not know (${cause.message}). Point the adapter at an agent of that datacenter, or drop the datacenter option.`,
    },
    {
      // Agents that validate keys answer 400 (validateKVKey, agent/kvs_endpoint.go: "key contains
      // …", "key must not …"; later versions reword it, but a 400 about a key is always the key),
      // 1.21.5 answers 500 "invalid key name, keys should respect the … format". Either way retrying
      // will not change it. Member ids are encoded (keys.ts), so what the agent's key validation
      // refuses is the prefix or the election name.
      when: (cause) =>
        (cause.statusCode === 400 && /\bkey\b|path traversal/i.test(cause.message)) ||
        (cause.statusCode === 500 && /invalid key name/i.test(cause.message)),
      message: (cause, action) =>
        `Consul refused a key name while trying to ${action} (${cause.message}). Use only A-Za-z0-9, "-" and "_" in the prefix and election options ("/" also in prefix).`,
    },
    {
      when: (cause) => /Session TTL/i.test(cause.message),
      message: (cause) =>
        `Consul rejected the session TTL (${cause.message}). Use a TTL within the server's session_ttl_min and 86400 s.`,
    },
  ];
}

/**
 * The adapter's error mapper, `(error, action)` like every adapter's: a configuration problem when
 * the answer says so, else a BackendUnavailableError that core retries. The cause is always the
 * summary, never the client's error (it would carry the token).
 */
export function createConsulErrorMapper(context: RequestContext = {}) {
  return createErrorMapper(SOURCE, rules(context) as FailureRule[], { summarize });
}

/** For failures that do not come from a request (a timer, a parse): no datacenter context needed. */
export const toElectionError = createConsulErrorMapper();

export function isNotFound(error: unknown): boolean {
  return summarize(error).statusCode === 404;
}
