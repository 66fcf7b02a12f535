import { EventEmitter } from 'node:events';
import { RequestsInFlight } from '@election/core/adapter';
import Consul from 'consul';
import { parseGoDuration } from './duration.js';
import { createConsulErrorMapper, isNotFound } from './errors.js';
import { type KvEntry, parseConsulIndex, parseKvEntries, parseKvEntry } from './kv-entry.js';
import type { ResolvedConsulOptions } from './options.js';
import { SOURCE } from './source.js';

/** One KV operation of a `/v1/txn` (Consul's api.KVTxnOp); `value` is sent base64-encoded. */
export interface TxnKvOperation {
  readonly verb: 'check-index' | 'check-session' | 'lock' | 'unlock' | 'get';
  readonly key: string;
  readonly value?: string;
  readonly index?: bigint;
  readonly session?: string;
}

export interface SessionSpec {
  readonly name: string;
  readonly ttlSeconds: number;
  readonly lockDelaySeconds: number;
  /** `none`: an explicit empty check list, so Consul's serfHealth default does not apply. */
  readonly checks: 'serfHealth' | 'none';
}

export interface SessionInfo {
  /** What Consul says about the session; undefined when it no longer knows it. */
  readonly session:
    | {
        /** The session's `TTL` in ms; undefined when it has none (it never expires by time). */
        readonly ttlMs: number | undefined;
        /** Its `TTL` as Consul returned it ("10s"). */
        readonly ttl: string;
        /** Its `LockDelay` in ms (Consul answers in nanoseconds). */
        readonly lockDelayMs: number;
      }
    | undefined;
  /** `X-Consul-Index` (the sessions table's index); undefined when the answer had none. */
  readonly index: bigint | undefined;
}

export interface ListResult {
  readonly entries: KvEntry[];
  /** `X-Consul-Index`; undefined when the answer had none. */
  readonly index: bigint | undefined;
}

/** The parts of the `consul` client used here; its bundled types omit `ctx`, `timeout` and `ca`. */
interface RawClient {
  readonly session: Record<'create' | 'renew' | 'destroy' | 'info', (options: object) => Promise<unknown>>;
  readonly kv: Record<'get' | 'set' | 'del', (options: object) => Promise<unknown>>;
  readonly status: Record<'leader', (options: object) => Promise<unknown>>;
  readonly transaction: Record<'create', (operations: object[], options: object) => Promise<unknown>>;
  destroy(): void;
}

type CallContext = EventEmitter & { includeResponse?: boolean; canceled?: boolean };

/**
 * Cancels a request through its `ctx`. `canceled` too: the client (papi) listens for "cancel" only
 * once the request is under way, and refuses to start one whose ctx is already canceled.
 */
function cancelCall(ctx: CallContext): void {
  ctx.canceled = true;
  ctx.emit('cancel');
}

function openClient(options: ResolvedConsulOptions): RawClient {
  const { host, port, secure, ca } = options.connection;
  const settings: Record<string, unknown> = { host, port, secure };
  if (ca !== undefined) settings.ca = Array.isArray(ca) ? [...ca] : ca;
  // The client opens its own keep-alive http(s).Agent; destroy() closes it (and its sockets).
  return new Consul(settings) as unknown as RawClient;
}

const hostInUrl = (host: string) => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);

/**
 * Where the agent is, for logs and messages: `http://127.0.0.1:8500`. Never carries credentials: the
 * token travels in a header, and user:password of a caller's client is left out.
 */
export function endpointOf(options: ResolvedConsulOptions): string | undefined {
  if (options.client === undefined) {
    const { host, port, secure } = options.connection;
    return `${secure ? 'https' : 'http'}://${hostInUrl(host)}:${port}`;
  }
  // A caller's client: its base URL as the client (papi) keeps it, when it has the usual shape.
  const base = (options.client as unknown as { _opts?: { baseUrl?: Record<string, unknown> } })._opts
    ?.baseUrl;
  const { protocol, hostname, port } = base ?? {};
  if (typeof protocol !== 'string' || typeof hostname !== 'string') return undefined;
  const portPart = typeof port === 'string' || typeof port === 'number' ? `:${port}` : '';
  return `${protocol}//${hostInUrl(hostname)}${portPart}`;
}

function toMs(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value / 1e6 : 0;
}

/** The Consul calls as the adapter's modules see them (the client's public methods). */
export type ConsulApi = { readonly [K in keyof ConsulClient]: ConsulClient[K] };

/**
 * The handful of Consul HTTP calls the adapter makes, typed, with timeouts, cancellation, the ACL
 * token and datacenter applied to each, and every failure turned into an ElectionError. One per
 * backend: it opens the `consul` client on first use, and `idle()` closes it again (only when the
 * adapter opened it itself); a caller's client is never closed, only the adapter's own requests on
 * it are cancelled.
 */
export class ConsulClient {
  readonly #options: ResolvedConsulOptions;
  readonly #toElectionError: ReturnType<typeof createConsulErrorMapper>;
  readonly #timeout: number;
  /** The adapter's own client while open; a caller's client always. */
  #raw: RawClient | undefined;
  /** Requests in flight: idle() and close() cancel them. */
  readonly #requests: RequestsInFlight;

  constructor(options: ResolvedConsulOptions) {
    this.#options = options;
    this.#raw = options.client as unknown as RawClient | undefined;
    this.#toElectionError = createConsulErrorMapper({ datacenter: options.datacenter });
    this.#requests = new RequestsInFlight({
      source: SOURCE,
      what: 'Consul membership backend',
      toElectionError: this.#toElectionError,
    });
    this.#timeout = options.requestTimeoutMs;
  }

  #client(): RawClient {
    this.#raw ??= openClient(this.#options);
    return this.#raw;
  }

  /** Runs one request with the common options; `signal` aborts it through the client's `ctx`. */
  #call<T>(
    what: string,
    signal: AbortSignal | undefined,
    timeoutMs: number,
    run: (raw: RawClient, common: Record<string, unknown>) => Promise<T>,
    includeResponse = false,
  ): Promise<T> {
    return this.#requests.run(what, signal, (cancelled) => {
      const ctx: CallContext = new EventEmitter();
      if (includeResponse) ctx.includeResponse = true;
      cancelled.addEventListener('abort', () => cancelCall(ctx), { once: true });
      const common: Record<string, unknown> = { ctx, timeout: timeoutMs };
      if (this.#options.token !== undefined) common.token = this.#options.token;
      if (this.#options.datacenter !== undefined) common.dc = this.#options.datacenter;
      return run(this.#client(), common);
    });
  }

  /**
   * A read that blocks (a blocking query) when `index` is above 0: it answers once Consul's index
   * moves past `index` or `waitSeconds` run out. Consul may add up to wait/16 of jitter before
   * answering; the timeout leaves room for it. `index` of the answer: `X-Consul-Index`.
   */
  async #query(
    what: string,
    signal: AbortSignal | undefined,
    index: bigint,
    waitSeconds: number,
    run: (raw: RawClient, options: Record<string, unknown>) => Promise<unknown>,
  ): Promise<{ readonly body: unknown; readonly index: bigint | undefined }> {
    const blocking = index > 0n;
    const limit = blocking ? Math.ceil(waitSeconds * 1000 * (17 / 16)) + this.#timeout : this.#timeout;
    const wait = blocking ? { index: index.toString(), wait: `${waitSeconds}s` } : {};
    const answer = await this.#call(
      what,
      signal,
      limit,
      (raw, common) => run(raw, { ...common, ...wait }),
      true,
    );
    const [response, body] = Array.isArray(answer) ? answer : [undefined, undefined];
    const headers = (response as { headers?: Record<string, unknown> } | undefined)?.headers ?? {};
    return { body, index: parseConsulIndex(headers['x-consul-index']) };
  }

  async createSession(spec: SessionSpec, signal?: AbortSignal): Promise<string> {
    const body = await this.#call('create a session', signal, this.#timeout, (raw, common) =>
      raw.session.create({
        ...common,
        name: spec.name,
        ttl: `${spec.ttlSeconds}s`,
        behavior: 'delete',
        // A string: the client drops a falsy 0 and Consul would then apply its 15 s default.
        lockdelay: `${spec.lockDelaySeconds}s`,
        // An explicit empty `Checks` takes the serfHealth default out on every agent: before 1.7
        // FixupChecks drops the default as soon as the body names Checks, and since then
        // fixupEmptySessionChecks (agent/session_endpoint.go) empties NodeChecks too. The client
        // sends no NodeChecks field, so this is the one way through it.
        ...(spec.checks === 'none' ? { checks: [] } : {}),
      }),
    );
    const id = (body as { ID?: unknown } | undefined)?.ID;
    if (typeof id !== 'string' || id.length === 0) {
      throw this.#toElectionError(new Error('the answer carried no session ID'), 'create a session');
    }
    return id;
  }

  /** 'not-found' when Consul no longer knows the session (expired, destroyed). */
  async renewSession(
    id: string,
    signal?: AbortSignal,
    timeoutMs = this.#timeout,
  ): Promise<'renewed' | 'not-found'> {
    try {
      const body = await this.#call('renew the session', signal, timeoutMs, (raw, common) =>
        raw.session.renew({ ...common, id }),
      );
      return Array.isArray(body) && body.length > 0 ? 'renewed' : 'not-found';
    } catch (error) {
      if (isNotFound((error as { cause?: unknown }).cause)) return 'not-found';
      throw error;
    }
  }

  async destroySession(id: string, signal?: AbortSignal): Promise<void> {
    await this.#call('destroy the session', signal, this.#timeout, (raw, common) =>
      raw.session.destroy({ ...common, id }),
    );
  }

  /**
   * `GET /v1/session/info/<id>`, a blocking query when `index` is above 0: it answers once the
   * sessions table moves past `index` or `waitSeconds` run out. `session` is undefined once Consul
   * no longer knows the session (an empty list).
   */
  async sessionInfo(
    id: string,
    index: bigint,
    waitSeconds: number,
    signal?: AbortSignal,
  ): Promise<SessionInfo> {
    const { body, index: answered } = await this.#query(
      'read the session holding the id',
      signal,
      index,
      waitSeconds,
      (raw, options) => raw.session.info({ ...options, id }),
    );
    const raw = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : undefined;
    const ttl = typeof raw?.TTL === 'string' ? raw.TTL : '';
    const ttlMs = parseGoDuration(ttl);
    return {
      session:
        raw === undefined || raw.ID !== id
          ? undefined
          : {
              ttl,
              ttlMs: ttlMs !== undefined && ttlMs > 0 ? ttlMs : undefined,
              lockDelayMs: toMs(raw.LockDelay),
            },
      index: answered,
    };
  }

  /** `GET /v1/status/leader`: the raft leader's address, '' while there is none. */
  async leader(signal?: AbortSignal): Promise<string> {
    const answer = await this.#call('read the Consul leader', signal, this.#timeout, (raw, common) =>
      raw.status.leader(common),
    );
    return typeof answer === 'string' ? answer : '';
  }

  async get(key: string, signal?: AbortSignal): Promise<KvEntry | undefined> {
    const body = await this.#call(`read ${key}`, signal, this.#timeout, (raw, common) =>
      raw.kv.get({ ...common, key }),
    );
    return body === undefined ? undefined : parseKvEntry(body);
  }

  /** A blocking recursive read of `prefix` (non-blocking when `index` is 0). */
  async list(prefix: string, index: bigint, waitSeconds: number, signal?: AbortSignal): Promise<ListResult> {
    const answer = await this.#query(`watch ${prefix}`, signal, index, waitSeconds, (raw, options) =>
      raw.kv.get({ ...options, key: prefix, recurse: true }),
    );
    return { entries: parseKvEntries(answer.body), index: answer.index };
  }

  async acquire(key: string, value: string, sessionId: string, signal?: AbortSignal): Promise<boolean> {
    const body = await this.#call(`acquire ${key}`, signal, this.#timeout, (raw, common) =>
      raw.kv.set({ ...common, key, value, acquire: sessionId }),
    );
    return body === true;
  }

  /**
   * `DELETE /v1/kv/<key>?cas=<modifyIndex>`: deletes the key only while its ModifyIndex is still
   * `modifyIndex`. False when the key changed (or is gone) meanwhile.
   */
  async deleteIfUnchanged(key: string, modifyIndex: bigint, signal?: AbortSignal): Promise<boolean> {
    const body = await this.#call(`delete ${key}`, signal, this.#timeout, (raw, common) =>
      raw.kv.del({ ...common, key, cas: modifyIndex.toString() }),
    );
    return body === true;
  }

  /**
   * `PUT /v1/txn` of KV operations, all or nothing: the entries Consul answers for them (values
   * blanked for writes), or null when Consul rolled the transaction back (409: an operation failed).
   */
  async txn(ops: readonly TxnKvOperation[], signal?: AbortSignal): Promise<KvEntry[] | null> {
    const operations = ops.map((op) => ({
      KV: {
        Verb: op.verb,
        Key: op.key,
        ...(op.value === undefined ? {} : { Value: Buffer.from(op.value).toString('base64') }),
        ...(op.index === undefined ? {} : { Index: Number(op.index) }),
        ...(op.session === undefined ? {} : { Session: op.session }),
      },
    }));
    const body = await this.#call('run a transaction', signal, this.#timeout, (raw, common) =>
      raw.transaction.create(operations, common).catch((error: unknown) => {
        // 409: rolled back, nothing written (agent/txn_endpoint.go answers a failed operation so).
        if ((error as { statusCode?: unknown }).statusCode === 409) return ROLLED_BACK;
        throw error;
      }),
    );
    if (body === ROLLED_BACK) return null;
    const results = (body as { Results?: Array<{ KV?: unknown }> } | undefined)?.Results ?? [];
    return parseKvEntries(results.map((result) => result.KV));
  }

  /**
   * The last use ended: cancels every request still in flight and closes the client's sockets if
   * this adapter opened the client. The next request opens a new client.
   */
  idle(): void {
    // Cancelled first: a request still in flight (a blocking query can wait for minutes) would
    // otherwise keep the process alive on its own socket.
    this.#requests.cancelAll();
    if (this.#options.client !== undefined) return;
    this.#raw?.destroy();
    this.#raw = undefined;
  }

  /** idle(), for good: later requests fail. */
  close(): void {
    this.#requests.close();
    this.idle();
  }
}

/** A transaction Consul rolled back (HTTP 409). */
const ROLLED_BACK = Symbol('rolled back');
