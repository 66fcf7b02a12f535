import { type ClientLifecycle, clientLifecycle } from '@election/core/adapter';
import { ConsecutiveBreaker, circuitBreaker, handleWhen, type IBackoff, noop, retry } from 'cockatiel';
import { Etcd3, type IOptions, isRecoverableError } from 'etcd3';
import type { EtcdMembershipOptions } from './options.js';

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:2379';

/**
 * Where the adapter's etcd3 client comes from. A client the adapter creates itself is opened
 * lazily and closed when the backend is idle, and opened again by the next use; a caller-provided
 * client is used as it is and never closed.
 */
export interface ClientSource {
  /** Endpoints for logs and error messages; never carries credentials. */
  readonly description: string;
  /** A new client on each open, closed when released; the caller's, never closed. */
  readonly lifecycle: ClientLifecycle<Etcd3>;
}

/** The endpoints as a list; `endpoints` was checked by the option schema (options.ts). */
function endpointList(endpoints: EtcdMembershipOptions['endpoints']): string[] {
  if (endpoints === undefined) return [DEFAULT_ENDPOINT];
  return typeof endpoints === 'string' ? [endpoints] : [...endpoints];
}

/** Why `endpoints` cannot be used, or undefined when it can. */
export function endpointsProblem(endpoints: unknown): string | undefined {
  if (endpoints === undefined) return undefined;
  const list: unknown[] =
    typeof endpoints === 'string' ? [endpoints] : Array.isArray(endpoints) ? endpoints : [];
  if (list.length === 0 || list.some((endpoint) => typeof endpoint !== 'string' || endpoint.trim() === ''))
    return 'endpoints must be a non-empty list of etcd client URLs such as "http://127.0.0.1:2379".';
  for (const endpoint of list as string[]) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) && !/^https?:\/\//i.test(endpoint))
      return `endpoint ${JSON.stringify(endpoint)} must start with http:// or https://.`;
    // Credentials in a URL would end up in logs and error messages; etcd3 would ignore them anyway.
    if (/@/.test(endpoint))
      return 'endpoints must not contain credentials; pass auth: { username, password }.';
  }
  return undefined;
}

const toBuffer = (value: Buffer | string): Buffer => (typeof value === 'string' ? Buffer.from(value) : value);

/**
 * etcd3's watch manager takes its reconnect delay from `.next().duration`. The adapter replaces a
 * dropped watch itself, so this only bounds etcd3's own retry: 100 ms doubling to 1 s, jittered.
 */
function jitteredBackoff(ceilingMs: number): IBackoff<unknown> {
  return {
    duration: ceilingMs / 2 + (Math.random() * ceilingMs) / 2,
    next: () => jitteredBackoff(Math.min(ceilingMs * 2, 1000)),
  };
}

/**
 * Fault handling tuned for leader election. etcd3's defaults open a host's circuit for 5 s after
 * three failures, so after an etcd restart a node would be refused by its own client for seconds
 * while etcd is fine. Here the circuit half-opens after 500 ms, the global policy only moves a
 * failed call to another endpoint (the adapter runs its own jittered retries), and grpc's own
 * reconnect backoff is capped at 1 s on a channel that is not shared with others. (The watch
 * backoff only concerns etcd3's watch manager, which the adapter does not use; 30 s by default.)
 */
function faultHandling(endpointCount: number): NonNullable<IOptions['faultHandling']> {
  const recoverable = handleWhen(isRecoverableError);
  return {
    host: () => circuitBreaker(recoverable, { halfOpenAfter: 500, breaker: new ConsecutiveBreaker(3) }),
    global: endpointCount > 1 ? retry(recoverable, { maxAttempts: endpointCount - 1 }) : noop,
    watchBackoff: jitteredBackoff(50),
  };
}

/**
 * Checks the connection options now (a mistake throws a ConfigurationError at
 * createEtcdMembership) and returns what opens clients with them later.
 */
export function clientSource(options: EtcdMembershipOptions, requestTimeoutMs: number): ClientSource {
  if (options.client !== undefined) {
    const client = options.client;
    return {
      description: 'a caller-provided Etcd3 client',
      lifecycle: clientLifecycle({ given: client }),
    };
  }
  const endpoints = endpointList(options.endpoints);
  const { tls, auth } = options;
  const hosts =
    tls === undefined ? endpoints : endpoints.map((endpoint) => endpoint.replace(/^http:\/\//i, 'https://'));
  const clientOptions: IOptions = {
    hosts,
    ...(tls === undefined
      ? {}
      : {
          credentials: {
            rootCertificate: toBuffer(tls.ca),
            ...(tls.key === undefined ? {} : { privateKey: toBuffer(tls.key) }),
            ...(tls.cert === undefined ? {} : { certChain: toBuffer(tls.cert) }),
          },
        }),
    ...(auth === undefined ? {} : { auth: { username: auth.username, password: auth.password } }),
    // Streams (watch, keepalive) carry their own deadlines; unary calls never hang past this.
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + requestTimeoutMs }),
    grpcOptions: {
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1000,
      // etcd3 replaces a failed host's channels; a private subchannel pool makes the replacement
      // dial at once instead of inheriting the old subchannel's reconnect backoff.
      'grpc.use_local_subchannel_pool': 1,
      // Detects a silently dead connection (no RST) under a long-lived watch. etcd's default
      // keepalive enforcement allows pings every 5 s or slower.
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5000,
    },
  };
  return {
    description: hosts.join(','),
    lifecycle: clientLifecycle({
      // A fresh circuit breaker per client: a closed client's open circuit must not refuse the next one.
      create: () => new Etcd3({ ...clientOptions, faultHandling: faultHandling(hosts.length) }),
      close: (client) => client.close(),
    }),
  };
}

/**
 * Ends a client stream (watch, keepalive) for good. etcd does not end a watch stream the client
 * half-closed: it would stay open, on etcd and as an active call that keeps the client's
 * connection (and the process) alive. So the stream is half-closed, then cancelled. etcd3 resets a
 * host's channels when a stream errors while still writable; half-closed first, the cancellation
 * is not taken for a host failure.
 */
export function endStream(stream: { end(): void; cancel(): void }): void {
  try {
    stream.end();
    stream.cancel();
  } catch {
    // Already torn down by a failure: nothing left to close.
  }
}
