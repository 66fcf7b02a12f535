import type { ServerResponse } from 'node:http';
import type { ElectionStatus } from './status.js';

/** A client this far behind on `/events` is dropped rather than buffered without bound. */
const MAX_BUFFERED_BYTES = 1 << 20;
/** Seconds a client refused at `maxStreams` is asked to wait (`Retry-After`). */
export const RETRY_AFTER_S = 5;
/**
 * The least `retry:` a stream tells EventSource (ms before it reconnects a dropped stream); up to
 * twice it. For other EventSource clients: the live page closes its EventSource at an error and
 * reconnects on its own schedule (page.ts, RECONNECT_STEPS_MS).
 */
const RETRY_MS = 1000;

export interface Streams {
  /** Answers an `/events` request: the stream, or 503 with `Retry-After` at `maxStreams`. */
  open(response: ServerResponse, snapshot: unknown): void;
  broadcast(event: string, data: unknown): void;
  /** Something changed: one status frame for all the changes of this tick. */
  changed(): void;
  close(): void;
}

export interface StreamOptions {
  readonly maxStreams: number;
  readonly refreshMs: number;
  readonly status: () => ElectionStatus;
  readonly onError: (error: unknown) => void;
}

/** One SSE frame; JSON has no raw newlines, so `data` is one line. */
const frame = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/** The open `/events` streams: the snapshot on connect, status on change and every `refreshMs`. */
export function createStreams(options: StreamOptions): Streams {
  const streams = new Set<ServerResponse>();
  let ticker: NodeJS.Timeout | undefined;
  let statusQueued = false;

  const write = (stream: ServerResponse, text: string) => {
    if (stream.writableLength > MAX_BUFFERED_BYTES) {
      stream.destroy();
      streams.delete(stream);
      return;
    }
    stream.write(text);
  };
  const broadcast = (event: string, data: unknown) => {
    const text = frame(event, data);
    for (const stream of [...streams]) write(stream, text);
  };
  const broadcastStatus = () => {
    if (streams.size > 0) broadcast('status', options.status());
  };

  return {
    broadcast,
    changed() {
      // Several events of one evaluation reach the streams as one status.
      if (statusQueued || streams.size === 0) return;
      statusQueued = true;
      queueMicrotask(() => {
        statusQueued = false;
        broadcastStatus();
      });
    },
    open(response, snapshot) {
      if (streams.size >= options.maxStreams) {
        // EventSource does not retry after a non-200; the page does, after Retry-After at the least.
        response.setHeader('retry-after', String(RETRY_AFTER_S));
        response.writeHead(503, { 'content-type': 'text/plain', 'cache-control': 'no-store' });
        response.end(
          `too many /events streams (maxStreams is ${options.maxStreams}); retry in ${RETRY_AFTER_S} s\n`,
        );
        return;
      }
      response.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      response.flushHeaders();
      // Jittered, so that the tabs a restart dropped do not all come back in the same instant.
      response.write(`retry: ${RETRY_MS + Math.floor(Math.random() * RETRY_MS)}\n\n`);
      write(response, frame('snapshot', snapshot));
      streams.add(response);
      ticker ??= setInterval(broadcastStatus, options.refreshMs).unref();
      const done = () => {
        streams.delete(response);
        if (streams.size === 0 && ticker !== undefined) {
          clearInterval(ticker);
          ticker = undefined;
        }
      };
      // The response's 'close' (ended, or the connection dropped), not the request's: a request's
      // 'close' can come as soon as its (empty) body has been read, e.g. by a body-parsing middleware.
      response.once('close', done);
      response.once('error', (error) => {
        done();
        options.onError(error);
      });
    },
    close() {
      for (const stream of streams) stream.end();
      streams.clear();
      clearInterval(ticker);
      ticker = undefined;
    },
  };
}
