import type { MembershipBackend } from '@election/core';
import type { NodeArgs } from './node-args.js';

/**
 * This library's membership on the backend the node was started with. Loaded lazily: a PostgreSQL
 * node does not load the gRPC client.
 */
export async function createMembership(args: NodeArgs): Promise<MembershipBackend> {
  if (args.backend === 'postgres') {
    const { createPostgresMembership } = await import('@election/postgres');
    return createPostgresMembership({ connectionString: args.endpoint, election: args.election });
  }
  const { createEtcdMembership } = await import('@election/etcd');
  return createEtcdMembership({ endpoints: [args.endpoint], election: args.election });
}
