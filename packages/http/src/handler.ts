import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Clock, ConfigurationError, type Elector } from '@election/core';
import { type Cluster, createCluster } from './cluster.js';
import { type LeadershipChange, onLeadershipChange } from './leadership.js';
import { normalizePath, positiveInteger, SOURCE } from './options.js';
import { PAGE_CSP, renderPage } from './page.js';
import { type Readiness, trackReadiness } from './readiness.js';
import { hasEmptySegment, requestPath } from './request-path.js';
import { electionStatus } from './status.js';
import type { ClusterAllow } from './status-url.js';
import { createStreams, type Streams } from './streams.js';

/** What `/metrics` needs of a registry: prom-client's `Registry` (or `register`) fits. */
export interface MetricsRegistry {
  readonly contentType: string;
  metrics(): Promise<string> | string;
}

export interface ElectionHandlerOptions {
  /** Serves `GET /metrics` from it. Without one, `/metrics` answers 404. */
  readonly registry?: MetricsRegistry;
  /**
   * The path the handler lives under when the server does not strip it (node:http, Fastify), e.g.
   * `/election`. Requests outside it go to `next()` (or get a 404). Leave it out under Express's
   * `app.use('/election', handler)`, which strips the prefix itself.
   */
  readonly prefix?: string;
  /**
   * Where browsers reach the handler, when a proxy in front rewrites paths and the page's own
   * location is not it, e.g. `/ops/election`. Default: the page finds its requests relative to its
   * own address, which works behind a proxy that strips a prefix.
   */
  readonly publicPath?: string;
  /** ANDed into `/readyz` (see there), e.g. "my app has warmed up". */
  readonly ready?: () => boolean;
  /**
   * @deprecated The elector's own TTL (`elector.ttlMs`) is used by default, and no other is right:
   * `/readyz` says not ready once the backend has failed for longer than one renewal interval, TTL / 3.
   */
  readonly ttlMs?: number;
  /**
   * @deprecated The elector's own clock (`elector.clock`, the one given to `createElector`) is
   * used by default, and no other clock is right: lease deadlines are in its time.
   */
  readonly clock?: Clock;
  /** The page's title. Default `Leader election`. */
  readonly title?: string;
  /** How often `/events` repeats the status while streaming (lease bar, durations), ms. Default 1000. */
  readonly refreshMs?: number;
  /** Open `/events` streams at most; one more gets 503 with `Retry-After`. Default 100. */
  readonly maxStreams?: number;
  /** Leadership changes the page lists (the chart shows every one of the last hour). Default 20. */
  readonly timelineSize?: number;
  /** `/cluster`: how long each member's `/status` may take, ms. Default 1000. */
  readonly clusterTimeoutMs?: number;
  /** `/cluster`: how long a member that left the view stays listed as gone, ms. Default 600000 (10 min). */
  readonly goneForMs?: number;
  /**
   * `/cluster`: which published status URLs are fetched. Called with every http(s) URL whose path
   * ends in `/status`; true fetches it. Default: every such URL except link-local and cloud
   * metadata addresses (169.254.0.0/16, fe80::/10, fd00:ec2::254), also when a host name resolves
   * to one. E.g. `(url) => url.hostname.endsWith('.internal.example')`.
   */
  readonly clusterAllow?: ClusterAllow;
  /** Told about failures while answering (a registry that throws, a broken socket). Default: ignored. */
  readonly onError?: (error: unknown) => void;
}

export type NextFunction = (error?: unknown) => void;

/** A `(req, res, next?)` handler for node:http, Express (`app.use`) and Fastify (`reply.hijack()`). */
export interface ElectionHandler {
  (request: IncomingMessage, response: ServerResponse, next?: NextFunction): void;
  /** The leadership changes this handler kept (the last hour, at least `timelineSize`), oldest first. */
  readonly timeline: readonly LeadershipChange[];
  /** Ends every `/events` stream and stops listening to the elector. Idempotent. */
  close(): void;
}

const ROUTES = [
  '/',
  '/status',
  '/healthz',
  '/readyz',
  '/leader',
  '/follower',
  '/cluster',
  '/metrics',
  '/events',
];
const HOUR_MS = 3_600_000;
/** Never more leadership changes than this in memory, however much leadership flaps. */
const MAX_TIMELINE = 1000;

function send(response: ServerResponse, status: number, type: string, body: string, head: boolean): void {
  response.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(body),
    'x-content-type-options': 'nosniff',
  });
  response.end(head ? undefined : body);
}

const json = (value: unknown) => `${JSON.stringify(value)}\n`;

/**
 * One read-only request handler for an elector: `GET /` (the live page), `/status`, `/healthz`,
 * `/readyz`, `/leader`, `/follower`, `/cluster`, `/metrics` (with a registry) and `/events`
 * (Server-Sent Events). Nothing it serves changes the election.
 */
export function createElectionHandler(
  elector: Elector,
  options: ElectionHandlerOptions = {},
): ElectionHandler {
  if (typeof elector?.subscribe !== 'function' || typeof elector.id !== 'string') {
    throw new ConfigurationError(
      'createElectionHandler(elector): pass the elector returned by createElector().',
      { source: SOURCE },
    );
  }
  const prefix = normalizePath('prefix', options.prefix, '/election');
  const publicPath =
    options.publicPath === undefined
      ? null
      : normalizePath('publicPath', options.publicPath, '/ops/election');
  const refreshMs = positiveInteger('refreshMs', options.refreshMs, 1000);
  const maxStreams = positiveInteger('maxStreams', options.maxStreams, 100);
  const timelineSize = positiveInteger('timelineSize', options.timelineSize, 20);
  // An elector from a core before elector.ttlMs: the old default, 10 s.
  const ttlMs = positiveInteger(
    'ttlMs',
    options.ttlMs,
    Number.isFinite(elector.ttlMs) ? elector.ttlMs : 10_000,
  );
  const clusterTimeoutMs = positiveInteger('clusterTimeoutMs', options.clusterTimeoutMs, 1000);
  const goneForMs = positiveInteger('goneForMs', options.goneForMs, 600_000);
  const clock = options.clock ?? elector.clock;
  const title = options.title ?? 'Leader election';
  const onError = options.onError ?? (() => {});

  const timeline: LeadershipChange[] = [];
  let leaderSeenSince: number | null = elector.state.leaderId === null ? null : Date.now();
  const status = () => electionStatus(elector, clock, leaderSeenSince);
  const streams: Streams = createStreams({ maxStreams, refreshMs, status, onError });
  const readiness: Readiness = trackReadiness(elector, clock, ttlMs);
  if (options.clusterAllow !== undefined && typeof options.clusterAllow !== 'function') {
    throw new ConfigurationError('clusterAllow must be a function (url: URL) => boolean.', {
      source: SOURCE,
    });
  }
  const cluster: Cluster = createCluster(elector, {
    timeoutMs: clusterTimeoutMs,
    goneForMs,
    status,
    ...(options.clusterAllow ? { allow: options.clusterAllow } : {}),
  });
  let closed = false;

  const stopListening = [
    elector.subscribe(() => streams.changed()),
    onLeadershipChange(elector, (change) => {
      leaderSeenSince = change.leaderId === null ? null : change.at;
      timeline.push(change);
      // Keep the last hour (and the one change before it: who led when the hour began).
      while (
        timeline.length > MAX_TIMELINE ||
        (timeline.length > timelineSize && (timeline[1]?.at ?? change.at) < change.at - HOUR_MS)
      )
        timeline.shift();
      streams.broadcast('leader', change);
    }),
    readiness.stop,
    cluster.stop,
  ];

  const route = async (
    path: string,
    full: string,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> => {
    const head = request.method === 'HEAD';
    switch (path) {
      case '/': {
        // Relative to the page's own address, as the proxy in front (if any) shows it.
        const statusHref =
          publicPath !== null
            ? `${publicPath}/status`
            : full.endsWith('/')
              ? 'status'
              : `${full.slice(full.lastIndexOf('/') + 1)}/status`;
        const page = renderPage({ title, publicPath, status: status(), timeline, timelineSize, statusHref });
        response.setHeader('content-security-policy', PAGE_CSP);
        return send(response, 200, 'text/html; charset=utf-8', page, head);
      }
      case '/status':
        return send(response, 200, 'application/json', json(status()), head);
      case '/healthz':
        return send(response, 200, 'text/plain', 'ok\n', head);
      case '/readyz': {
        const why = readiness.notReady() ?? (options.ready?.() === false ? 'the app says so' : null);
        return send(
          response,
          why === null ? 200 : 503,
          'text/plain',
          why === null ? 'ready\n' : `not ready: ${why}\n`,
          head,
        );
      }
      case '/leader':
      case '/follower': {
        const state = elector.state;
        const joined = state.phase === 'follower' || state.phase === 'candidate' || state.phase === 'leader';
        const ok = path === '/leader' ? state.isLeader : joined && !state.isLeader;
        const body = {
          id: state.id,
          isLeader: state.isLeader,
          leaderId: state.leaderId,
          term: state.term?.toString() ?? null,
          phase: state.phase,
        };
        return send(response, ok ? 200 : 503, 'application/json', json(body), head);
      }
      case '/cluster':
        // HEAD asks no peer: the headers alone, without the round of fetches a GET makes.
        if (head) return send(response, 200, 'application/json', '', true);
        return send(response, 200, 'application/json', json(await cluster.read()), false);
      case '/metrics': {
        const { registry } = options;
        if (!registry) {
          return send(
            response,
            404,
            'text/plain',
            'no metrics: the handler was created without a registry\n',
            head,
          );
        }
        return send(response, 200, registry.contentType, await registry.metrics(), head);
      }
      case '/events':
        if (head) return send(response, 200, 'text/event-stream', '', true);
        if (closed) return send(response, 503, 'text/plain', 'the election handler was closed\n', false);
        return streams.open(response, { status: status(), timeline, now: Date.now() });
    }
  };

  const notFound = (response: ServerResponse, next: NextFunction | undefined) => {
    if (next) return next();
    send(
      response,
      404,
      'text/plain',
      `not found: try ${ROUTES.map((r) => `${prefix}${r}`).join(', ')}\n`,
      false,
    );
  };

  const handler = ((request, response, next) => {
    let path = requestPath(request.url);
    // Under Express the mount path was stripped from `url`; a `//` in the full path is still ours to refuse.
    const full = requestPath((request as { originalUrl?: string }).originalUrl ?? request.url);
    if (path === undefined || full === undefined || hasEmptySegment(full)) return notFound(response, next);
    if (prefix !== '') {
      if (path !== prefix && !path.startsWith(`${prefix}/`)) return notFound(response, next);
      path = path.slice(prefix.length) || '/';
    }
    const normalized = path.length > 1 ? path.replace(/\/$/, '') : path;
    if (!ROUTES.includes(normalized)) return notFound(response, next);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('allow', 'GET, HEAD');
      return send(response, 405, 'text/plain', 'read-only: only GET and HEAD\n', false);
    }
    route(normalized, full, request, response).catch((error: unknown) => {
      onError(error);
      if (!response.headersSent) send(response, 500, 'text/plain', 'internal error\n', false);
      else response.destroy();
    });
  }) as ElectionHandler;

  Object.defineProperties(handler, {
    timeline: { get: () => timeline.slice(), enumerable: true },
    close: {
      value: () => {
        if (closed) return;
        closed = true;
        for (const stop of stopListening) stop();
        streams.close();
      },
    },
  });
  return handler;
}
