import {
  type BackendCapabilities,
  BackendLifecycle,
  type JoinRequest,
  LifecycleBackend,
  type MembershipBackend,
  type MembershipSession,
  OwnRegistrations,
} from '@election/core/adapter';
import { type ConsulApi, ConsulClient, endpointOf } from './consul-api.js';
import { joinElection, MAX_TTL_MS, MIN_TTL_MS } from './join.js';
import { type KeyLayout, keyLayout } from './keys.js';
import { endSession } from './leave.js';
import { type ConsulMembershipOptions, type ResolvedConsulOptions, resolveOptions } from './options.js';
import { openConsulSession } from './session.js';
import { SOURCE } from './source.js';

/**
 * Consul sessions are whole seconds from 10 s (the server's default session_ttl_min) to 86400 s.
 * Default 10 s: the fastest failover Consul allows; a renewal every 5 s costs next to nothing.
 */
export const CONSUL_CAPABILITIES: BackendCapabilities = Object.freeze({
  lock: true,
  minTtlMs: MIN_TTL_MS,
  maxTtlMs: MAX_TTL_MS,
  wholeSecondTtl: true,
  defaultTtlMs: 10_000,
});

const MAX_REMEMBERED_ABANDONED = 64;

/**
 * Membership and a leader lock on Consul: one session per node (TTL, behavior "delete"), a member key
 * per node held by that session, and a leader key whose ModifyIndex is the fencing token.
 */
export function createConsulMembership(options: ConsulMembershipOptions = {}): MembershipBackend {
  return new ConsulBackend(resolveOptions(options));
}

class ConsulBackend extends LifecycleBackend<ConsulApi> implements MembershipBackend {
  readonly name = 'consul';
  readonly capabilities = CONSUL_CAPABILITIES;
  readonly endpoint: string | undefined;
  readonly #options: ResolvedConsulOptions;
  readonly #layout: KeyLayout;
  /**
   * Sessions this backend walked away from (close(), a failed leave) that may still be alive. Only
   * the latest few matter (a rejoin looks for its own id's holder); the set stays small.
   */
  readonly #abandoned = new OwnRegistrations({ limit: MAX_REMEMBERED_ABANDONED, abandonUnknown: true });
  /** retain()s, sessions, joins and leaves in flight: the client goes idle when none is left. */
  protected readonly lifecycle: BackendLifecycle<ConsulApi>;

  constructor(options: ResolvedConsulOptions) {
    super();
    this.#options = options;
    const api = new ConsulClient(options);
    // The client opens itself on its first request (consul-api.ts): idle() closes what it opened.
    this.lifecycle = new BackendLifecycle({
      source: SOURCE,
      what: 'Consul membership backend',
      closedMessage: 'this Consul membership backend was closed; create a new one to join.',
      client: { open: () => api, release: () => api.idle(), close: () => api.close() },
      // An overtaken join's discard is up to three requests (read and delete the member key, destroy).
      drainMs: 3 * options.requestTimeoutMs,
    });
    this.#layout = keyLayout(options.prefix, options.election);
    this.endpoint = endpointOf(options);
  }

  async join(request: JoinRequest): Promise<MembershipSession> {
    const logger = request.logger.child({ backend: 'consul', election: this.#options.election });
    const context = { layout: this.#layout, options: this.#options, abandoned: this.#abandoned };
    // The join holds the client; the session keeps it open until it ends; close() closes it.
    return this.lifecycle.join({
      signal: request.signal,
      register: (api, signal) => joinElection({ ...context, api }, { ...request, signal }, logger),
      // close() came during the join: the member key and the session go, as a leave would take them.
      discard: (joined, api) =>
        endSession(api, [this.#layout.memberKey(request.member.id)], joined.sessionId).then(
          () => this.#abandoned.gone(joined.sessionId),
          (error: unknown) => {
            this.#abandoned.abandoned(joined.sessionId);
            throw error;
          },
        ),
      open: (joined, api, ended) =>
        openConsulSession({
          ...context,
          api,
          request,
          joined,
          logger,
          ended,
          hold: () => this.lifecycle.hold(),
        }),
    });
  }
}
