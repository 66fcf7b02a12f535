import { createElector, type Elector, type ElectorOptions, type MembershipBackend } from '@election/core';
import { createElectionHandler, type ElectionHandler, STATUS_URL_META } from '@election/http';
import { collectElectorMetrics } from '@election/prometheus';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { endpointOf, loadBackend, statusUrlOf } from './backend.js';
import type { NodeConfig } from './flags.js';
import { FencedLedger, startLeaderTask } from './leader-task.js';
import { logLeadershipChanges } from './leadership-log.js';
import { coreLogger } from './logger.js';
import { listenHttp } from './server.js';
import { asUsageError } from './start-failure.js';
import { ttlMsFor } from './ttl.js';

export interface RunningNode {
  /** Base URL of the HTTP endpoints; the live page is at `${url}/`. */
  readonly url: string;
  readonly elector: Elector;
  /** The backend's name and where it is (never with credentials), for messages. */
  readonly backend: { readonly name: string; readonly endpoint: string };
  /** Resolves once the node has joined (or was stopped before it could). */
  readonly joined: Promise<void>;
  /** Resign, leave, close the backend and the HTTP server. Idempotent. */
  stop(): Promise<void>;
}

export interface NodeOptions {
  readonly logger: Logger;
  /** Time between two steps of the leader-only task, ms. Default 5000. */
  readonly taskIntervalMs?: number;
}

/** The host of a wildcard listen address: bound there, the node has no address of its own to publish. */
const WILDCARD = new Set(['0.0.0.0', '::', '']);

/**
 * The base URL this node publishes as its status URL's: --advertise-url, else the bound address
 * unless it is a wildcard (0.0.0.0 or ::), which no other host can reach; then none.
 */
export function advertisedBase(config: NodeConfig, boundUrl: string): string | undefined {
  if (config.advertiseUrl !== undefined) return config.advertiseUrl;
  return WILDCARD.has(config.listen.host) ? undefined : boundUrl;
}

/** The elector's options from the flags; a TTL the backend cannot honour is a UsageError in seconds. */
function electorOptions(
  config: NodeConfig,
  backend: MembershipBackend,
  url: string,
  logger: Logger,
): ElectorOptions {
  const advertised = advertisedBase(config, url);
  const ttlMs = ttlMsFor(config.ttlSeconds, config.ttlGiven, backend);
  const startTimeout = config.startTimeoutSeconds;
  return {
    id: config.id,
    membership: backend,
    ...(config.mode === undefined ? {} : { mode: config.mode }),
    ...(config.priority === 0 ? {} : { priority: config.priority }),
    ...(config.observer ? { observer: true } : {}),
    ...(ttlMs === undefined ? {} : { ttlMs }),
    ...(startTimeout === undefined ? {} : { startTimeoutMs: Math.round(startTimeout * 1000) }),
    ...(config.takeover ? { takeover: true } : {}),
    meta: {
      // This node's address for the others: the advertised one when given (the bound one may be
      // 0.0.0.0, or an address only this host or its container knows).
      url: advertised ?? url,
      ...(advertised === undefined ? {} : { [STATUS_URL_META]: statusUrlOf(advertised) }),
    },
    logger: coreLogger(logger),
  };
}

/**
 * One election node: the HTTP server first (its URL is this node's address in a static list), then
 * the backend and the elector. `start()` keeps retrying an unreachable backend; `stop()` ends that.
 */
export async function startNode(config: NodeConfig, options: NodeOptions): Promise<RunningNode> {
  const { logger } = options;
  const openBackend = await loadBackend(config);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // The server listens first (its URL is this node's address in a static list); the handler, which
  // needs the elector, follows before any request can be read (no await in between).
  let handler: ElectionHandler | undefined;
  let ready = false;
  const server = await listenHttp(
    (request, response) => {
      if (handler) return handler(request, response);
      response.writeHead(503, { 'content-type': 'text/plain' }).end('starting\n');
    },
    config.listen,
    (error) => logger.error({ err: error }, 'HTTP server error'),
  );
  logger.info(
    { event: 'listening', url: server.url, page: `${server.url}/`, backend: config.backend },
    `listening on ${server.url}; live page at ${server.url}/`,
  );

  if (advertisedBase(config, server.url) === undefined) {
    logger.warn(
      { event: 'no-status-url', listen: config.listen.host },
      `listening on a wildcard address (${config.listen.host || 'all'}): no status URL published for /cluster and list; set --advertise-url`,
    );
  }

  let backend: MembershipBackend;
  try {
    backend = openBackend(server.url);
  } catch (error) {
    await server.close();
    throw asUsageError(error);
  }
  let elector: Elector;
  try {
    elector = createElector(electorOptions(config, backend, server.url, logger));
  } catch (error) {
    await backend.close().catch(() => {});
    await server.close();
    throw asUsageError(error);
  }
  // Both read the TTL the elector runs with (elector.ttlMs: the flag's, or the backend's default).
  collectElectorMetrics(elector, { registry, election: config.election });
  handler = createElectionHandler(elector, {
    registry,
    title: 'election-node',
    ready: () => ready,
    onError: (error) => logger.warn({ err: error }, 'HTTP handler error'),
  });
  logLeadershipChanges(elector, logger);

  const shutdown = new AbortController();
  const task = startLeaderTask(elector, logger, {
    ledger: new FencedLedger(),
    intervalMs: options.taskIntervalMs ?? 5000,
    signal: shutdown.signal,
  }).catch((error: unknown) => logger.error({ err: error }, 'the leader-only task failed'));

  let stopRequested = false;
  const joined = elector.start().then(
    () => {
      if (stopRequested) return;
      ready = true;
      const state = elector.state;
      logger.info({ event: 'joined', mode: elector.mode, members: state.members.map((m) => m.id) }, 'joined');
    },
    (error: unknown) => {
      // Rejected by stop() during the join: expected. Anything else is a real startup failure.
      if (!stopRequested) throw asUsageError(error);
    },
  );

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopRequested = true;
    stopping ??= (async () => {
      ready = false;
      // Stop the elector first, so the leader task ends with the demotion reason ("stopped").
      await elector.stop({ resign: true });
      shutdown.abort();
      await task;
      await backend
        .close()
        .catch((error: unknown) => logger.warn({ err: error }, 'closing the backend failed'));
      handler?.close();
      await server.close();
      logger.info({ event: 'stopped' }, 'stopped');
    })();
    return stopping;
  };
  return {
    url: server.url,
    elector,
    backend: { name: backend.name, endpoint: endpointOf(config, backend) },
    joined,
    stop,
  };
}
