import {
  type Clock,
  ElectionFeed,
  type FeedSnapshot,
  type Logger,
  type SessionSkeletonOptions,
} from '@election/core/adapter';
import type { Network } from './network.js';
import type { MemoryServer } from './server.js';
import { NodeStream } from './stream.js';

/** A read: the snapshot, and the server's stream that carries on from it (the follow's). */
interface MemorySnapshot extends FeedSnapshot {
  readonly stream: NodeStream;
}

export interface MemoryFeedOptions {
  readonly server: MemoryServer;
  readonly network: Network;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The watching node: its partition breaks the stream, its delay holds items back. */
  readonly node: string;
  /** After each read is published (a resync after a heal included). */
  readonly published: () => void;
  /** A broken stream, a listener that threw: the session's onError. */
  readonly onError: (error: Error) => void;
}

/** The session's view of the election: the kit's ElectionFeed, opened by the first watcher. */
export type MemoryFeed = SessionSkeletonOptions['feed'] & { readonly started: boolean };

/**
 * The kit's ElectionFeed on the in-memory server, in push mode: `read` opens the server's stream to
 * this node (NodeStream), whose first item is the snapshot, and `follow` takes the changes after
 * it. A partition breaks the stream (the follow fails); the next read waits for the network to come
 * back, so the resync comes on heal, and nothing retries in a loop meanwhile (no backoff needed).
 * The feed starts with the first watcher, as the server's watches did: a delay set before it
 * applies to its snapshot. A listener that throws is reported on the session's onError.
 */
export function memoryFeed(options: MemoryFeedOptions): MemoryFeed {
  const { server, network, clock, logger, node } = options;
  const feed = new ElectionFeed<MemorySnapshot>({
    clock,
    logger,
    read: async (signal) => {
      await network.whenReachable(node, signal);
      signal.throwIfAborted();
      const stream = new NodeStream(server, network, clock, node, signal);
      return new Promise<MemorySnapshot>((resolve, reject) => {
        stream.consume({
          item: (item) => {
            if (!('snapshot' in item)) return; // never: a stream opens with its snapshot
            stream.consume(undefined);
            resolve({ ...item.snapshot, stream });
          },
          fail: (error) => {
            stream.close();
            reject(error);
          },
        });
      });
    },
    follow: ({ stream }, sink) => {
      stream.consume({
        item: (item) => 'change' in item && sink.changes(() => [item.change]),
        fail: (error) => sink.fail(error),
      });
      sink.confirmed();
      return () => stream.close();
    },
    backoff: { initialMs: 0, maxMs: 0 },
    published: options.published,
    onError: (error) => options.onError(error as Error),
  });
  let started = false;
  const start = () => {
    started = true;
    feed.start();
  };
  const guard =
    <A extends unknown[]>(listener: (...args: A) => void) =>
    (...args: A) => {
      try {
        listener(...args);
      } catch (error) {
        logger.error({ err: error, memberId: node }, 'a watch listener threw');
        options.onError(error instanceof Error ? error : new Error(String(error)));
      }
    };
  return {
    get started() {
      return started;
    },
    start: () => {}, // the first watcher starts it
    stop: () => feed.stop(),
    showedEnd: (token) => feed.showedEnd(token),
    watchMembers: (listener) => {
      start();
      return feed.watchMembers(guard(listener));
    },
    watchHolder: (listener) => {
      start();
      return feed.watchHolder(guard(listener));
    },
  };
}
