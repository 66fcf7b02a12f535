import type { FeedChange, FeedSink } from '@election/core/adapter';
import { castGrpcError, type Etcd3, type IEvent, type IWatchRequest, type IWatchResponse } from 'etcd3';
import { endStream } from './client.js';
import { prefixRange } from './keys.js';

/**
 * One watch on its own etcd Watch stream, driven directly rather than through etcd3's
 * WatchManager. The manager resumes a dropped watch without saying what it missed, cannot resume
 * one etcd cancelled after a compaction, and cancelling its last watcher cancels the grpc stream,
 * which etcd3 counts as a host failure (it resets the host's channels and feeds the circuit
 * breaker). Here closing ends the stream (see `endStream`) without that. It reports to the
 * election feed: confirmed once etcd created the watch, each response's events (in revision order)
 * as changes `decode` makes of them, and its end (stream error or end, or etcd cancelled it) once.
 */
export class WatchStream {
  #stream: Awaited<ReturnType<Etcd3['watchClient']['watch']>> | undefined;
  #done = false;

  readonly #client: Etcd3;
  readonly #prefix: string;
  readonly #startRevision: bigint;
  readonly #sink: FeedSink;
  readonly #decode: (events: readonly IEvent[]) => readonly FeedChange[];

  constructor(
    client: Etcd3,
    prefix: string,
    startRevision: bigint,
    sink: FeedSink,
    decode: (events: readonly IEvent[]) => readonly FeedChange[],
  ) {
    this.#client = client;
    this.#prefix = prefix;
    this.#startRevision = startRevision;
    this.#sink = sink;
    this.#decode = decode;
  }

  async open(): Promise<void> {
    let stream: Awaited<ReturnType<Etcd3['watchClient']['watch']>>;
    try {
      stream = await this.#client.watchClient.watch();
    } catch (error) {
      this.#fail(castGrpcError(error instanceof Error ? error : new Error(String(error))));
      return;
    }
    if (this.#done) {
      endStream(stream);
      return;
    }
    this.#stream = stream;
    stream.on('data', (response: IWatchResponse) => this.#onResponse(response));
    stream.on('error', (error: Error) => this.#fail(castGrpcError(error)));
    stream.on('end', () => this.#fail(new Error('etcd ended the watch stream')));
    const { key, range_end } = prefixRange(this.#prefix);
    const request: IWatchRequest = {
      create_request: {
        key,
        range_end,
        start_revision: this.#startRevision.toString(),
        progress_notify: true,
      },
    };
    stream.write(request);
  }

  /** Stops listening and ends the stream. Idempotent. */
  close(): void {
    this.#done = true;
    const stream = this.#stream;
    this.#stream = undefined;
    if (stream) endStream(stream);
  }

  #onResponse(response: IWatchResponse): void {
    if (this.#done) return;
    if (response.canceled) {
      const compacted = response.compact_revision !== undefined && String(response.compact_revision) !== '0';
      const reason = compacted
        ? `its start revision was compacted (history now starts at ${response.compact_revision})`
        : response.cancel_reason || 'no reason given';
      this.#fail(new Error(`etcd cancelled the watch: ${reason}`));
      return;
    }
    if (response.created) this.#sink.confirmed();
    const { events } = response;
    if (events.length > 0) this.#sink.changes(() => this.#decode(events));
  }

  #fail(error: Error): void {
    if (this.#done) return;
    this.close();
    this.#sink.fail(error);
  }
}
