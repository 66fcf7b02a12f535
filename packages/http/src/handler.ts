import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Clock, ConfigurationError, type Elector, systemClock } from '@election/core';
import { type LeadershipChange, onLeadershipChange } from './leadership.js';
import { PAGE_CSP, renderPage } from './page.js';
import { electionStatus } from './status.js';

const SOURCE = '@election/http';

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
  /** ANDed into `/readyz` (which already needs the node to have joined), e.g. "my app has warmed up". */
  readonly ready?: () => boolean;
  /** The clock given to `createElector` (lease deadlines are in its time). Default: the system clock. */
  readonly clock?: Clock;
  /** The page's title. Default `Leader election`. */
  readonly title?: string;
  /** How often `/events` repeats the status while streaming (lease bar, durations), ms. Default 1000. */
  readonly refreshMs?: number;
  /** Open `/events` streams at most; one more gets 503. Default 100. */
  readonly maxStreams?: number;
  /** Leadership changes kept for the page's timeline. Default 20. */
  readonly timelineSize?: number;
  /** Told about failures while answering (a registry that throws, a broken socket). Default: ignored. */
  readonly onError?: (error: unknown) => void;
}

export type NextFunction = (error?: unknown) => void;

/** A `(req, res, next?)` handler for node:http, Express (`app.use`) and Fastify (`reply.hijack()`). */
export interface ElectionHandler {
  (request: IncomingMessage, response: ServerResponse, next?: NextFunction): void;
  /** The last leadership changes this handler saw, oldest first. */
  readonly timeline: readonly LeadershipChange[];
  /** Ends every `/events` stream and stops listening to the elector. Idempotent. */
  close(): void;
}

const JOINED = new Set(['follower', 'candidate', 'leader']);
/** A client this far behind on `/events` is dropped rather than buffered without bound. */
const MAX_BUFFERED_BYTES = 1 << 20;
const ROUTES = ['/', '/status', '/healthz', '/readyz', '/metrics', '/events'];

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) {
    throw new ConfigurationError(`${name} must be a positive integer, got ${String(value)}.`, {
      source: SOURCE,
    });
  }
  return value;
}

function normalizePrefix(prefix: string | undefined): string {
  if (prefix === undefined || prefix === '' || prefix === '/') return '';
  if (typeof prefix !== 'string' || !prefix.startsWith('/') || /[?#\s]/.test(prefix)) {
    throw new ConfigurationError(
      `prefix must be a path starting with "/" (e.g. "/election"), got ${JSON.stringify(prefix)}.`,
      { source: SOURCE },
    );
  }
  return prefix.replace(/\/+$/, '');
}

function send(response: ServerResponse, status: number, type: string, body: string, head: boolean): void {
  response.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(body),
    'x-content-type-options': 'nosniff',
  });
  response.end(head ? undefined : body);
}

const pathOf = (url: string | undefined) => {
  try {
    return new URL(url ?? '/', 'http://localhost').pathname;
  } catch {
    return '/';
  }
};

/**
 * One read-only request handler for an elector: `GET /` (the live page), `/status`, `/healthz`,
 * `/readyz`, `/metrics` (with a registry) and `/events` (Server-Sent Events). Nothing it serves
 * changes the election.
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
  const prefix = normalizePrefix(options.prefix);
  const clock = options.clock ?? systemClock;
  const refreshMs = positiveInteger('refreshMs', options.refreshMs, 1000);
  const maxStreams = positiveInteger('maxStreams', options.maxStreams, 100);
  const timelineSize = positiveInteger('timelineSize', options.timelineSize, 20);
  const title = options.title ?? 'Leader election';
  const onError = options.onError ?? (() => {});
  const status = () => electionStatus(elector, clock);

  const timeline: LeadershipChange[] = [];
  const streams = new Set<ServerResponse>();
  let ticker: NodeJS.Timeout | undefined;
  let statusQueued = false;
  let closed = false;

  /** One SSE frame; JSON has no raw newlines, so `data` is one line. */
  const frame = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
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
    if (streams.size > 0) broadcast('status', status());
  };
  const stopListening = [
    // Several events of one evaluation reach the streams as one status.
    elector.subscribe(() => {
      if (statusQueued || streams.size === 0) return;
      statusQueued = true;
      queueMicrotask(() => {
        statusQueued = false;
        broadcastStatus();
      });
    }),
    onLeadershipChange(elector, (change) => {
      timeline.push(change);
      if (timeline.length > timelineSize) timeline.shift();
      broadcast('leader', change);
    }),
  ];

  const openStream = (response: ServerResponse) => {
    if (closed) {
      send(response, 503, 'text/plain', 'the election handler was closed\n', false);
      return;
    }
    if (streams.size >= maxStreams) {
      send(response, 503, 'text/plain', `too many /events streams (maxStreams is ${maxStreams})\n`, false);
      return;
    }
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    response.flushHeaders();
    response.write('retry: 1000\n\n');
    write(response, frame('snapshot', { status: status(), timeline }));
    streams.add(response);
    ticker ??= setInterval(broadcastStatus, refreshMs).unref();
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
      onError(error);
    });
  };

  const route = async (
    path: string,
    base: string,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> => {
    const head = request.method === 'HEAD';
    switch (path) {
      case '/': {
        const page = renderPage({ title, base, status: status(), timeline, timelineSize });
        response.setHeader('content-security-policy', PAGE_CSP);
        return send(response, 200, 'text/html; charset=utf-8', page, head);
      }
      case '/status':
        return send(response, 200, 'application/json', `${JSON.stringify(status())}\n`, head);
      case '/healthz':
        return send(response, 200, 'text/plain', 'ok\n', head);
      case '/readyz': {
        const ready = JOINED.has(elector.state.phase) && (options.ready?.() ?? true);
        return send(response, ready ? 200 : 503, 'text/plain', ready ? 'ready\n' : 'not ready\n', head);
      }
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
        return openStream(response);
    }
  };

  const handler = ((request, response, next) => {
    let path = pathOf(request.url);
    if (prefix !== '') {
      if (path !== prefix && !path.startsWith(`${prefix}/`)) {
        if (next) return next();
        return send(
          response,
          404,
          'text/plain',
          `not found: the election handler is under ${prefix}/\n`,
          false,
        );
      }
      path = path.slice(prefix.length) || '/';
    }
    const normalized = path.length > 1 ? path.replace(/\/+$/, '') : path;
    if (!ROUTES.includes(normalized)) {
      if (next) return next();
      return send(
        response,
        404,
        'text/plain',
        `not found: try ${ROUTES.map((route) => `${prefix}${route}`).join(', ')}\n`,
        false,
      );
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('allow', 'GET, HEAD');
      return send(response, 405, 'text/plain', 'read-only: only GET and HEAD\n', false);
    }
    // The path the page's own requests start from: what the server stripped (Express's mount
    // path, in `originalUrl`) plus our prefix.
    const full = pathOf((request as { originalUrl?: string }).originalUrl ?? request.url);
    const base = (path === '/' ? full : full.slice(0, full.length - path.length)).replace(/\/+$/, '');
    route(normalized, base, request, response).catch((error: unknown) => {
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
        for (const stream of streams) stream.end();
        streams.clear();
        clearInterval(ticker);
        ticker = undefined;
      },
    },
  });
  return handler;
}
