import { type Logger, SessionLostError, type SkeletonRenewals, withTimeout } from '@election/core/adapter';
import { castGrpcError, type Etcd3, EtcdInvalidAuthTokenError } from 'etcd3';
import { endStream } from './client.js';
import { isLeaseGone, within } from './errors.js';
import { SOURCE } from './source.js';

/** What renews an etcd lease. */
export interface RenewerOptions {
  readonly client: Etcd3;
  readonly leaseId: string;
  readonly ttlMs: number;
  /** Clock time just before the grant was sent: the lease is known alive until this + TTL. */
  readonly grantSentAt: number;
  readonly requestTimeoutMs: number;
  readonly logger: Logger;
  /** A unary call found the lease gone (the renewals' own answers say so through `renew`). */
  readonly onLost: (cause: Error) => void;
}

/**
 * One keepalive round trip on a short-lived LeaseKeepAlive stream: write the lease id, take the
 * first answer, half-close (etcd then ends the stream). Resolves with the TTL etcd granted (0 means
 * the lease is gone). Aborting `signal` (the renewer stopped) ends the stream at once.
 */
async function keepAliveOnce(
  client: Etcd3,
  leaseId: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<number> {
  const stream = await client.leaseClient.leaseKeepAlive(within(timeoutMs));
  return new Promise<number>((resolve, reject) => {
    let settled = false;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      return true;
    };
    const onAbort = () => {
      if (!settle()) return;
      endStream(stream);
      reject(signal.reason);
    };
    stream.on('data', (response) => {
      if (!settle()) return;
      // end(), not cancel(): a cancelled stream errors, and etcd3 would then reset the host's channels.
      stream.end();
      resolve(Number(response.TTL));
    });
    stream.on('error', (error) => {
      if (settle()) reject(castGrpcError(error));
    });
    stream.on('end', () => {
      if (settle()) reject(new Error('the keepalive stream ended without an answer'));
    });
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    stream.write({ ID: leaseId });
  });
}

/**
 * Renews one lease every TTL/3 on the kit's renewal loop (the session skeleton runs it), which
 * keeps the local deadline: the send time of the last acknowledged renewal plus the TTL. etcd3's
 * built-in keepalive cannot serve here: it does not say when an acknowledged request was sent, and
 * it reports a lost lease only after 2×TTL without contact (etcd3 issue #155). Each renewal is its
 * own short stream, so an answer belongs to exactly one send time and a hung renewal is cut off by
 * its grpc deadline.
 */
export function leaseRenewals(options: RenewerOptions): SkeletonRenewals {
  const { client, leaseId, ttlMs, requestTimeoutMs } = options;
  const intervalMs = ttlMs / 3;
  const timeoutMs = Math.min(requestTimeoutMs, intervalMs);
  const gone = (cause?: unknown) =>
    new SessionLostError(`etcd lease ${leaseId} has expired, was revoked, or no longer exists.`, {
      source: SOURCE,
      ...(cause === undefined ? {} : { cause }),
    });

  /**
   * etcd forgets auth tokens when it restarts. etcd3 fetches a new one when a unary call is
   * refused, but not for streams, so make one unary call (which also says if the lease survived).
   */
  function refreshToken(signal: AbortSignal): void {
    client.leaseClient.leaseTimeToLive({ ID: leaseId }, within(requestTimeoutMs)).then(
      (response) => {
        if (!signal.aborted && Number(response.TTL) < 0) options.onLost(gone());
      },
      (error: unknown) => options.logger.debug({ err: error }, 'could not refresh the auth token yet'),
    );
  }

  // The kit's defaults: every TTL/3, and failed renewals retry quickly (a blip must not cost the
  // lease) but never slower than the interval.
  return {
    ttlMs,
    startedAt: options.grantSentAt,
    timeoutMs,
    action: `renew etcd lease ${leaseId}`,
    async renew(signal) {
      try {
        // The outer timeout also covers what precedes the stream (an auth token fetch, a busy pool).
        const ttlSeconds = await withTimeout(
          keepAliveOnce(client, leaseId, timeoutMs, signal),
          timeoutMs + 100,
          'renew the lease',
          { source: SOURCE },
        );
        if (!(ttlSeconds > 0)) return { alive: false, cause: gone() };
        return { alive: true, ttlMs: ttlSeconds * 1000 };
      } catch (error) {
        if (isLeaseGone(error)) return { alive: false, cause: gone(error) };
        if (error instanceof EtcdInvalidAuthTokenError) refreshToken(signal);
        throw error;
      }
    },
  };
}
