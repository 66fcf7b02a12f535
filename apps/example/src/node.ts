import { ConfigurationError, createElector, type Elector, type MembershipBackend } from '@election/core';
import { createElectionHandler, type ElectionHandler } from '@election/http';
import { collectElectorMetrics } from '@election/prometheus';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { loadBackend } from './backend.js';
import { type NodeConfig, UsageError } from './flags.js';
import { FencedLedger, startLeaderTask } from './leader-task.js';
import { logLeadershipChanges } from './leadership-log.js';
import { coreLogger } from './logger.js';
import { listenHttp } from './server.js';

export interface RunningNode {
  /** Base URL of the HTTP endpoints; the live page is at `${url}/`. */
  readonly url: string;
  readonly elector: Elector;
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

/** Turns a ConfigurationError raised by a backend or the elector from the flags' values into exit code 2. */
function asUsageError(error: unknown): unknown {
  return error instanceof ConfigurationError ? new UsageError(error.message) : error;
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

  let backend: MembershipBackend;
  let elector: Elector;
  try {
    backend = openBackend(server.url);
    elector = createElector({
      id: config.id,
      membership: backend,
      ...(config.mode === undefined ? {} : { mode: config.mode }),
      ...(config.priority === 0 ? {} : { priority: config.priority }),
      ...(config.observer ? { observer: true } : {}),
      ...(config.ttlSeconds === undefined ? {} : { ttlMs: config.ttlSeconds * 1000 }),
      meta: { url: server.url },
      logger: coreLogger(logger),
    });
  } catch (error) {
    await server.close();
    throw asUsageError(error);
  }
  collectElectorMetrics(elector, { registry });
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

  const joined = elector.start().then(
    () => {
      if (shutdown.signal.aborted) return;
      ready = true;
      const state = elector.state;
      logger.info({ event: 'joined', mode: elector.mode, members: state.members.map((m) => m.id) }, 'joined');
    },
    (error: unknown) => {
      // Rejected by stop() during the join: expected. Anything else is a real startup failure.
      if (!shutdown.signal.aborted) throw asUsageError(error);
    },
  );

  let stopping: Promise<void> | undefined;
  const stop = () => {
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
  return { url: server.url, elector, joined, stop };
}
