import {
  type BackendCapabilities,
  LifecycleError,
  type MembershipBackend,
  type MembershipSession,
} from '@election/core/adapter';
import { createConsulApi } from './consul-api.js';
import { joinElection, MAX_TTL_MS, MIN_TTL_MS } from './join.js';
import { keyLayout } from './keys.js';
import { type ConsulMembershipOptions, resolveOptions } from './options.js';
import { ConsulSession } from './session.js';
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
  const resolved = resolveOptions(options);
  const api = createConsulApi(resolved);
  const layout = keyLayout(resolved.prefix, resolved.election);
  const abandoned = new Set<string>();
  const open = new Set<MembershipSession>();
  let closed = false;

  return {
    name: 'consul',
    capabilities: CONSUL_CAPABILITIES,
    async join(request) {
      if (closed) {
        throw new LifecycleError('this Consul membership backend was closed; create a new one to join.', {
          source: SOURCE,
        });
      }
      const logger = request.logger.child({ backend: 'consul', election: resolved.election });
      const joined = await joinElection({ api, layout, options: resolved, abandoned }, request, logger);
      const session: MembershipSession = new ConsulSession({
        api,
        layout,
        options: resolved,
        member: request.member,
        sessionId: joined.sessionId,
        createdAt: joined.createdAt,
        ttlMs: request.ttlMs,
        clock: request.clock,
        logger,
        abandon(sessionId) {
          abandoned.add(sessionId);
          // Only the latest few matter (a rejoin looks for its own id's holder); keep the set small.
          for (const old of abandoned) {
            if (abandoned.size <= MAX_REMEMBERED_ABANDONED) break;
            abandoned.delete(old);
          }
        },
        ended: () => open.delete(session),
      });
      open.add(session);
      return session;
    },
    async close() {
      if (closed) return;
      closed = true;
      // Stop timers and watches of sessions still open; their registrations expire by TTL.
      for (const session of [...open]) session.close();
      api.close();
    },
  };
}
