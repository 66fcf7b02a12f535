import {
  type ElectionError,
  ElectionFeed,
  type ElectionFeedOptions,
  type FeedSnapshot,
} from '@election/core/adapter';
import type { Etcd3 } from 'etcd3';
import type { ElectionView } from './election-view.js';
import { toElectionError, within } from './errors.js';
import { type KeyLayout, prefixRange } from './keys.js';
import { WatchStream } from './watch-stream.js';

/** `initial`: the view of the join transaction's read; `self`: this session's member id and lease. */
export interface ElectionWatcherOptions
  extends Pick<ElectionFeedOptions<FeedSnapshot>, 'initial' | 'clock' | 'logger' | 'self'> {
  readonly client: Etcd3;
  readonly layout: KeyLayout;
  readonly view: ElectionView;
  readonly requestTimeoutMs: number;
  readonly onError: (error: ElectionError) => void;
}

/**
 * The election's keys on the kit's feed: a read is a range of the prefix (the view is rebuilt
 * from it), a follow is a watch from the revision after that range (see WatchStream), confirmed
 * within the request timeout. On any trouble (disconnect, etcd restart, a watch etcd cancels after
 * a compaction, a watch that never connects) the feed drops the watch, ranges again and watches
 * from there: listeners get a fresh snapshot, so no change is lost or applied twice. etcd3 would
 * resume a disconnected watch by itself, but not one cancelled by a compaction, and it never tells
 * which changes it missed; one resync path covers every case.
 */
export function watchElection(options: ElectionWatcherOptions): ElectionFeed {
  const { client, layout, view, requestTimeoutMs } = options;
  return new ElectionFeed<FeedSnapshot>({
    clock: options.clock,
    logger: options.logger,
    initial: options.initial,
    async read() {
      const response = await client.kv.range(prefixRange(layout.root), within(requestTimeoutMs));
      return view.replace(response.kvs, BigInt(response.header.revision));
    },
    follow(from, sink) {
      const watch = new WatchStream(client, layout.root, (from.revision ?? 0n) + 1n, sink, (events) =>
        events.map((event) => view.apply(event.type, event.kv)),
      );
      void watch.open();
      return () => watch.close();
    },
    confirmWithinMs: requestTimeoutMs,
    backoff: { initialMs: 100, maxMs: 1000 },
    self: options.self,
    // Even an unchanged holder is published after a resync: at the range's revision it tells core
    // that a holding of its own the watch never showed (taken and deleted while it was down) is gone.
    dedupe: false,
    onError: (error, retryInMs, during) =>
      options.onError(
        toElectionError(
          error,
          during === 'read' ? 'read the election keys' : 'keep watching the election keys',
          retryInMs,
        ),
      ),
  });
}
