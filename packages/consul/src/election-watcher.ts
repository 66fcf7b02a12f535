import { type ElectionError, ElectionFeed, type ElectionFeedOptions } from '@election/core/adapter';
import type { ConsulApi } from './consul-api.js';
import { type ElectionSnapshot, readSnapshot } from './election-snapshot.js';
import { toElectionError } from './errors.js';
import type { KeyLayout } from './keys.js';
import type { ResolvedConsulOptions } from './options.js';

/**
 * Quick successive queries allowed before the rate limit applies: 2, as Consul's blocking-query
 * guide advises ("a token bucket with burst of 2", api-docs/features/blocking.mdx, "Rate limit").
 */
export const WATCH_BURST = 2;

/** One answer of the watch: the election as read, at that X-Consul-Index (undefined when Consul sent none). */
export type ConsulRead = ElectionSnapshot & { readonly revision: bigint | undefined };

/** The session's part of the feed: who it is (`self`), and what runs on each answer it publishes. */
export interface ElectionWatcherOptions
  extends Pick<ElectionFeedOptions<ConsulRead>, 'clock' | 'logger' | 'self' | 'published'> {
  readonly api: ConsulApi;
  readonly layout: KeyLayout;
  readonly options: Pick<ResolvedConsulOptions, 'watchWaitSeconds' | 'watchMinIntervalMs'>;
  /** Each answer's malformed entries, as it arrives. */
  readonly malformed: (read: ConsulRead) => void;
  readonly onError: (error: ElectionError) => void;
}

/**
 * The election's keys on the kit's feed: each read is a blocking query on the prefix
 * (`?recurse&index=&wait=`), on the feed's blocking-query rules: reset the index to 0 when it goes
 * backwards (snapshot restore, reaped tombstones), never block on an index below 1, and publish
 * nothing when the index did not move. The feed rate-limits the reads (WATCH_BURST, then one per
 * `minIntervalMs`) so the loop cannot spin, backs off (capped, jittered) on errors, and publishes
 * an answer only when its members, or its holder at its index, changed.
 */
export function watchElection(options: ElectionWatcherOptions): ElectionFeed<ConsulRead> {
  const { api, layout, logger } = options;
  const { watchWaitSeconds: waitSeconds, watchMinIntervalMs: intervalMs } = options.options;
  const prefix = layout.root;
  return new ElectionFeed<ConsulRead>({
    clock: options.clock,
    logger: logger.child({ prefix }),
    async read(signal, index) {
      const result = await api.list(prefix, index, waitSeconds, signal);
      const read = { ...readSnapshot(layout, result.entries), revision: result.index };
      options.malformed(read);
      return read;
    },
    // Without X-Consul-Index there is nothing to block on; the rate limiter bounds the polling.
    noRevision: 'Consul answered without X-Consul-Index; polling instead of blocking',
    pace: { burst: WATCH_BURST, intervalMs },
    backoff: { initialMs: 100, maxMs: 2000 },
    // A repeat of the holder at a newer index is news: it may be a deletion core has not seen shown
    // (the key was taken and deleted between two snapshots), which only the index tells apart.
    dedupe: true,
    self: options.self,
    published: options.published,
    onError: (error, retryInMs) => options.onError(toElectionError(error, `watch ${prefix}`, retryInMs)),
  });
}
