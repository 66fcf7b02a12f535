import { EventEmitter } from 'node:events';
import Consul from 'consul';
import { createConsulErrorMapper, isNotFound } from './errors.js';
import { type KvEntry, parseConsulIndex, parseKvEntries, parseKvEntry } from './kv-entry.js';
import type { ResolvedConsulOptions } from './options.js';

/**
 * The handful of Consul HTTP calls the adapter makes, typed, with timeouts, cancellation, the ACL
 * token and datacenter applied to each, and every failure turned into an ElectionError.
 */
export interface ConsulApi {
  createSession(spec: SessionSpec, signal?: AbortSignal): Promise<string>;
  /** 'not-found' when Consul no longer knows the session (expired, destroyed). */
  renewSession(id: string, signal?: AbortSignal, timeoutMs?: number): Promise<'renewed' | 'not-found'>;
  destroySession(id: string, signal?: AbortSignal): Promise<void>;
  get(key: string, signal?: AbortSignal): Promise<KvEntry | undefined>;
  /** A blocking recursive read of `prefix` (non-blocking when `index` is 0). */
  list(prefix: string, index: bigint, waitSeconds: number, signal?: AbortSignal): Promise<ListResult>;
  acquire(key: string, value: string, sessionId: string, signal?: AbortSignal): Promise<boolean>;
  release(key: string, value: string, sessionId: string, signal?: AbortSignal): Promise<boolean>;
  /**
   * `DELETE /v1/kv/<key>?cas=<modifyIndex>`: deletes the key only while its ModifyIndex is still
   * `modifyIndex`. False when the key changed (or is gone) meanwhile.
   */
  deleteIfUnchanged(key: string, modifyIndex: bigint, signal?: AbortSignal): Promise<boolean>;
  /** Closes the client's sockets if this adapter opened the client. */
  close(): void;
}

export interface SessionSpec {
  readonly name: string;
  readonly ttlSeconds: number;
  readonly lockDelaySeconds: number;
}

export interface ListResult {
  readonly entries: KvEntry[];
  /** `X-Consul-Index`; undefined when the answer had none. */
  readonly index: bigint | undefined;
}

/** The parts of the `consul` client used here; its bundled types omit `ctx`, `timeout` and `ca`. */
interface RawClient {
  readonly session: Record<'create' | 'renew' | 'destroy', (options: object) => Promise<unknown>>;
  readonly kv: Record<'get' | 'set' | 'del', (options: object) => Promise<unknown>>;
  destroy(): void;
}

type CallContext = EventEmitter & { includeResponse?: boolean };

function openClient(options: ResolvedConsulOptions): { raw: RawClient; owned: boolean } {
  if (options.client) return { raw: options.client as unknown as RawClient, owned: false };
  const { host, port, secure, ca } = options.connection;
  const settings: Record<string, unknown> = { host, port, secure };
  if (ca !== undefined) settings.ca = Array.isArray(ca) ? [...ca] : ca;
  return { raw: new Consul(settings) as unknown as RawClient, owned: true };
}

/** The adapter's Consul client: one per backend; `close()` closes what it opened itself. */
export class ConsulClient implements ConsulApi {
  readonly #raw: RawClient;
  readonly #owned: boolean;
  readonly #options: ResolvedConsulOptions;
  readonly #toElectionError: ReturnType<typeof createConsulErrorMapper>;
  readonly #timeout: number;
  #closed = false;

  constructor(options: ResolvedConsulOptions) {
    const { raw, owned } = openClient(options);
    this.#raw = raw;
    this.#owned = owned;
    this.#options = options;
    this.#toElectionError = createConsulErrorMapper({ datacenter: options.datacenter });
    this.#timeout = options.requestTimeoutMs;
  }

  /** Runs one request with the common options; `signal` aborts it through the client's `ctx`. */
  async #call<T>(
    what: string,
    signal: AbortSignal | undefined,
    timeoutMs: number,
    run: (common: Record<string, unknown>) => Promise<T>,
    includeResponse = false,
  ): Promise<T> {
    signal?.throwIfAborted();
    const ctx: CallContext = new EventEmitter();
    if (includeResponse) ctx.includeResponse = true;
    const cancel = () => ctx.emit('cancel');
    signal?.addEventListener('abort', cancel, { once: true });
    const common: Record<string, unknown> = { ctx, timeout: timeoutMs };
    if (this.#options.token !== undefined) common.token = this.#options.token;
    if (this.#options.datacenter !== undefined) common.dc = this.#options.datacenter;
    try {
      return await run(common);
    } catch (error) {
      signal?.throwIfAborted();
      throw this.#toElectionError(error, what);
    } finally {
      signal?.removeEventListener('abort', cancel);
    }
  }

  async createSession(spec: SessionSpec, signal?: AbortSignal): Promise<string> {
    const body = await this.#call('create a session', signal, this.#timeout, (common) =>
      this.#raw.session.create({
        ...common,
        name: spec.name,
        ttl: `${spec.ttlSeconds}s`,
        behavior: 'delete',
        // A string: the client drops a falsy 0 and Consul would then apply its 15 s default.
        lockdelay: `${spec.lockDelaySeconds}s`,
      }),
    );
    const id = (body as { ID?: unknown } | undefined)?.ID;
    if (typeof id !== 'string' || id.length === 0) {
      throw this.#toElectionError(new Error('the answer carried no session ID'), 'create a session');
    }
    return id;
  }

  async renewSession(
    id: string,
    signal?: AbortSignal,
    timeoutMs = this.#timeout,
  ): Promise<'renewed' | 'not-found'> {
    try {
      const body = await this.#call('renew the session', signal, timeoutMs, (common) =>
        this.#raw.session.renew({ ...common, id }),
      );
      return Array.isArray(body) && body.length > 0 ? 'renewed' : 'not-found';
    } catch (error) {
      if (isNotFound((error as { cause?: unknown }).cause)) return 'not-found';
      throw error;
    }
  }

  async destroySession(id: string, signal?: AbortSignal): Promise<void> {
    await this.#call('destroy the session', signal, this.#timeout, (common) =>
      this.#raw.session.destroy({ ...common, id }),
    );
  }

  async get(key: string, signal?: AbortSignal): Promise<KvEntry | undefined> {
    const body = await this.#call(`read ${key}`, signal, this.#timeout, (common) =>
      this.#raw.kv.get({ ...common, key }),
    );
    return body === undefined ? undefined : parseKvEntry(body);
  }

  async list(prefix: string, index: bigint, waitSeconds: number, signal?: AbortSignal): Promise<ListResult> {
    // Consul may add up to wait/16 of jitter before answering; the timeout leaves room for it.
    const blocking = index > 0n;
    const limit = blocking ? Math.ceil(waitSeconds * 1000 * (17 / 16)) + this.#timeout : this.#timeout;
    const answer = await this.#call(
      `watch ${prefix}`,
      signal,
      limit,
      (common) =>
        this.#raw.kv.get({
          ...common,
          key: prefix,
          recurse: true,
          ...(blocking ? { index: index.toString(), wait: `${waitSeconds}s` } : {}),
        }),
      true,
    );
    const [response, body] = Array.isArray(answer) ? answer : [undefined, undefined];
    const headers = (response as { headers?: Record<string, unknown> } | undefined)?.headers ?? {};
    return { entries: parseKvEntries(body), index: parseConsulIndex(headers['x-consul-index']) };
  }

  async acquire(key: string, value: string, sessionId: string, signal?: AbortSignal): Promise<boolean> {
    const body = await this.#call(`acquire ${key}`, signal, this.#timeout, (common) =>
      this.#raw.kv.set({ ...common, key, value, acquire: sessionId }),
    );
    return body === true;
  }

  async release(key: string, value: string, sessionId: string, signal?: AbortSignal): Promise<boolean> {
    const body = await this.#call(`release ${key}`, signal, this.#timeout, (common) =>
      this.#raw.kv.set({ ...common, key, value, release: sessionId }),
    );
    return body === true;
  }

  async deleteIfUnchanged(key: string, modifyIndex: bigint, signal?: AbortSignal): Promise<boolean> {
    const body = await this.#call(`delete ${key}`, signal, this.#timeout, (common) =>
      this.#raw.kv.del({ ...common, key, cas: modifyIndex.toString() }),
    );
    return body === true;
  }

  close(): void {
    if (this.#closed || !this.#owned) return;
    this.#closed = true;
    this.#raw.destroy();
  }
}
