import type { MembershipBackend } from '@election/core';

/**
 * Elector-level tests that must last seconds, not tens of seconds. The simulator is started with a
 * session_ttl_min of 1 s (an agent may be configured so), and the adapter sends whatever TTL it is
 * given; only its declared capability, Consul's default minimum of 10 s, stops core from asking for
 * less. This passes the adapter on unchanged with just that declared minimum lowered.
 */
export function withShortTtls(backend: MembershipBackend, minTtlMs = 1_000): MembershipBackend {
  const retain = backend.retain?.bind(backend);
  return {
    name: backend.name,
    capabilities: { ...backend.capabilities, minTtlMs },
    ...(backend.endpoint === undefined ? {} : { endpoint: backend.endpoint }),
    join: (request) => backend.join(request),
    ...(retain ? { retain } : {}),
    close: () => backend.close(),
  };
}
