import { type Clock, createBackoff, type Logger, SessionLostError } from '@election/core';
import { castGrpcError, type Etcd3, EtcdInvalidAuthTokenError } from 'etcd3';
import { isLeaseGone, toElectionError, within, withTimeout } from './etcd-errors.js';
import { SOURCE } from './options.js';

export interface LeaseKeeperOptions {
  readonly client: Etcd3;
  readonly leaseId: string;
  readonly ttlMs: number;
  readonly clock: Clock;
  /** Clock time just before the grant was sent: the lease is known alive until this + TTL. */
  readonly grantSentAt: number;
  readonly requestTimeoutMs: number;
  readonly logger: Logger;
  /** The lease is gone for good (etcd says expired or not found). Called at most once. */
  readonly onLost: (cause: Error) => void;
  /** A renewal failed and will be retried. */
  readonly onError: (error: Error) => void;
}

/**
 * One keepalive round trip on a short-lived LeaseKeepAlive stream: write the lease id, take the
 * first answer, half-close. Resolves with the TTL etcd granted (0 means the lease is gone).
 */
async function keepAliveOnce(client: Etcd3, leaseId: string, timeoutMs: number): Promise<number> {
  const stream = await client.leaseClient.leaseKeepAlive(within(timeoutMs));
  return new Promise<number>((resolve, reject) => {
    let settled = false;
    stream.on('data', (response) => {
      if (settled) return;
      settled = true;
      // end(), not cancel(): a cancelled stream errors, and etcd3 would then reset the host's channels.
      stream.end();
      resolve(Number(response.TTL));
    });
    stream.on('error', (error) => {
      if (settled) return;
      settled = true;
      reject(castGrpcError(error));
    });
    stream.on('end', () => {
      if (settled) return;
      settled = true;
      reject(new Error('the keepalive stream ended without an answer'));
    });
    stream.write({ ID: leaseId });
  });
}

/**
 * Renews one lease every TTL/3 and keeps the local deadline: the send time of the last
 * acknowledged renewal plus the TTL. etcd3's built-in keepalive cannot serve here: it does not say
 * when an acknowledged request was sent, and it reports a lost lease only after 2×TTL without
 * contact (etcd3 issue #155). Each renewal is its own short stream, so an answer belongs to
 * exactly one send time and a hung renewal is cut off by its grpc deadline.
 */
export class LeaseKeeper {
  private deadlineAt: number;
  private stopped = false;
  private cancelTimer: () => void = () => {};
  private readonly intervalMs: number;
  private readonly backoff;

  constructor(private readonly options: LeaseKeeperOptions) {
    this.deadlineAt = options.grantSentAt + options.ttlMs;
    this.intervalMs = options.ttlMs / 3;
    // Failed renewals retry quickly (a blip must not cost the lease) but never slower than the interval.
    this.backoff = createBackoff({ initialMs: 100, maxMs: this.intervalMs });
  }

  deadline(): number {
    return this.deadlineAt;
  }

  start(): void {
    const { clock, grantSentAt } = this.options;
    this.schedule(Math.max(0, grantSentAt + this.intervalMs - clock.now()));
  }

  stop(): void {
    this.stopped = true;
    this.cancelTimer();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.cancelTimer = this.options.clock.setTimer(() => {
      void this.renew();
    }, ms);
  }

  private async renew(): Promise<void> {
    const { client, leaseId, ttlMs, clock, requestTimeoutMs } = this.options;
    if (this.stopped) return;
    const timeoutMs = Math.min(requestTimeoutMs, this.intervalMs);
    const sentAt = clock.now();
    try {
      // The outer timeout also covers what precedes the stream (an auth token fetch, a busy pool).
      const ttlSeconds = await withTimeout(
        keepAliveOnce(client, leaseId, timeoutMs),
        timeoutMs + 100,
        'renew the lease',
      );
      if (this.stopped) return;
      if (!(ttlSeconds > 0)) {
        this.lose(
          new SessionLostError(`etcd lease ${leaseId} has expired or was revoked.`, { source: SOURCE }),
        );
        return;
      }
      this.deadlineAt = Math.max(this.deadlineAt, sentAt + Math.min(ttlMs, ttlSeconds * 1000));
      this.backoff.reset();
      this.schedule(Math.max(0, sentAt + this.intervalMs - clock.now()));
    } catch (error) {
      if (this.stopped) return;
      if (isLeaseGone(error)) {
        this.lose(
          new SessionLostError(`etcd lease ${leaseId} no longer exists.`, { source: SOURCE, cause: error }),
        );
        return;
      }
      if (error instanceof EtcdInvalidAuthTokenError) this.refreshToken();
      const failure = toElectionError(error, `renew etcd lease ${leaseId}`);
      this.options.logger.debug({ err: failure }, 'lease renewal failed; retrying');
      this.options.onError(failure);
      this.schedule(this.backoff.next());
    }
  }

  /**
   * etcd forgets auth tokens when it restarts. etcd3 fetches a new one when a unary call is
   * refused, but not for streams, so make one unary call (which also says if the lease survived).
   */
  private refreshToken(): void {
    const { client, leaseId, requestTimeoutMs } = this.options;
    client.leaseClient.leaseTimeToLive({ ID: leaseId }, within(requestTimeoutMs)).then(
      (response) => {
        if (!this.stopped && Number(response.TTL) < 0) {
          this.lose(new SessionLostError(`etcd lease ${leaseId} no longer exists.`, { source: SOURCE }));
        }
      },
      (error: unknown) => this.options.logger.debug({ err: error }, 'could not refresh the auth token yet'),
    );
  }

  private lose(cause: Error): void {
    this.stop();
    this.options.onLost(cause);
  }
}
