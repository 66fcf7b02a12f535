import { createErrorMapper } from '@election/core/adapter';
import {
  EtcdAuthenticationFailedError,
  EtcdLeaseInvalidError,
  EtcdPermissionDeniedError,
  GRPCUnauthenticatedError,
} from 'etcd3';
import { SOURCE } from './source.js';

/** etcd answered that the lease does not exist (expired or revoked). */
export function isLeaseGone(error: unknown): boolean {
  return error instanceof EtcdLeaseInvalidError;
}

/**
 * Turns whatever etcd3 or grpc threw into an ElectionError that says what failed: `(error,
 * action)`, like every adapter's. Authentication and permission problems are configuration
 * mistakes (retrying will not fix them, but core may still retry, so they stay readable);
 * everything else is an unavailable backend.
 */
export const toElectionError = createErrorMapper(SOURCE, [
  {
    when: (error) =>
      error instanceof EtcdAuthenticationFailedError || error instanceof GRPCUnauthenticatedError,
    message: (_, action, reason) =>
      `etcd rejected the credentials while trying to ${action}: ${reason}. Check auth.`,
  },
  {
    when: (error) => error instanceof EtcdPermissionDeniedError,
    message: (_, action, reason) =>
      `etcd denied permission to ${action}: ${reason}. Grant the user readwrite on the election prefix.`,
  },
]);

/** grpc call options with a deadline `ms` from now. grpc deadlines are wall-clock dates. */
export function within(ms: number): { deadline: Date } {
  return { deadline: new Date(Date.now() + ms) };
}
