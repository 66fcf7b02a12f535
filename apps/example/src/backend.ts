import { type MembershipBackend, maskSecrets } from '@election/core';
import { STATUS_URL_META } from '@election/http';
import { createStaticMembership, type ProbeOptions, type StaticMemberConfig } from '@election/static';
import type { NodeConfig } from './flags.js';

/**
 * Shutdown must finish within 2 s of SIGTERM; a graceful leave gets most of that, and past it the
 * registration is left to expire by its TTL.
 */
export const LEAVE_BUDGET_MS = 1200;

/**
 * Static probe timing. By default a dead peer drops out after two failed probes half a second apart
 * (about a second), which keeps the demo's failover quick. With --ttl the detection time follows it:
 * three failures, one every ttl/3.
 */
export function staticProbe(ttlSeconds: number | undefined): ProbeOptions {
  if (ttlSeconds === undefined)
    return { intervalMs: 500, timeoutMs: 400, failureThreshold: 2, successThreshold: 1 };
  const intervalMs = Math.max(50, Math.round((ttlSeconds * 1000) / 3));
  return { intervalMs, timeoutMs: Math.min(intervalMs, 1000), failureThreshold: 3, successThreshold: 1 };
}

/** Where a node's `/status` is, published in its member metadata for `/cluster` and `election-node list`. */
export const statusUrlOf = (baseUrl: string) => `${baseUrl.replace(/\/+$/, '')}/status`;

/** The static member list: the peers plus this node, reachable at its own listen URL. */
export function staticMembers(config: NodeConfig, selfUrl: string): StaticMemberConfig[] {
  const peers = config.peers.filter((peer) => peer.id !== config.id);
  return [{ id: config.id, url: selfUrl }, ...peers.map((peer) => ({ id: peer.id, url: peer.url }))].map(
    (member) => ({ ...member, meta: { [STATUS_URL_META]: statusUrlOf(member.url) } }),
  );
}

function consulAddress(url: string): { host: string; port: number; secure: boolean } {
  const parsed = new URL(url);
  const secure = parsed.protocol === 'https:';
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port === '' ? (secure ? 443 : 8500) : Number(parsed.port),
    secure,
  };
}

/** Builds this node's backend once its own URL is known. */
export type BackendFactory = (selfUrl: string) => MembershipBackend;

/**
 * Loads the backend the flags ask for. etcd and Consul are imported lazily, so a static node never
 * loads a gRPC or HTTP client it does not use; this happens before the HTTP server listens, because
 * loading gRPC takes a while and a node should answer its first request promptly.
 */
export async function loadBackend(config: NodeConfig): Promise<BackendFactory> {
  switch (config.backend) {
    case 'static':
      return (selfUrl) =>
        createStaticMembership({
          members: staticMembers(config, selfUrl),
          probe: staticProbe(config.ttlSeconds),
        });
    case 'etcd': {
      const { createEtcdMembership } = await import('@election/etcd');
      return () =>
        createEtcdMembership({
          endpoints: config.etcd,
          election: config.election,
          leaveTimeoutMs: LEAVE_BUDGET_MS,
        });
    }
    case 'consul': {
      const { createConsulMembership } = await import('@election/consul');
      return () =>
        createConsulMembership({
          ...consulAddress(config.consul),
          election: config.election,
          leaveTimeoutMs: LEAVE_BUDGET_MS,
        });
    }
    case 'postgres': {
      const { createPostgresMembership } = await import('@election/postgres');
      return () =>
        createPostgresMembership({
          connectionString: config.postgres,
          election: config.election,
          leaveTimeoutMs: LEAVE_BUDGET_MS,
        });
    }
  }
}

/**
 * Where the backend is, for messages: what the backend says (`MembershipBackend.endpoint`, never
 * with credentials) or else what the flags say.
 */
export function endpointOf(config: NodeConfig, backend: Pick<MembershipBackend, 'endpoint'>): string {
  if (backend.endpoint !== undefined) return backend.endpoint;
  switch (config.backend) {
    case 'static':
      return `${staticMembers(config, '').length} static members`;
    case 'etcd':
      return config.etcd.join(',');
    case 'consul':
      return config.consul;
    case 'postgres':
      return maskSecrets(config.postgres);
  }
}

/** Loads and opens the backend in one step. */
export async function createBackend(config: NodeConfig, selfUrl: string): Promise<MembershipBackend> {
  return (await loadBackend(config))(selfUrl);
}
