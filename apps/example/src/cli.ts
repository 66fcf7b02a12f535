#!/usr/bin/env node
import type { Logger } from 'pino';
import { handleDrainSignals } from './drain.js';
import { type NodeConfig, parseArgs, UsageError } from './flags.js';
import { HELP } from './help.js';
import { listElection, listerId } from './list.js';
import { createLogger } from './logger.js';
import { type RunningNode, startNode } from './node.js';
import { describeStartFailure, lastErrorOf } from './start-failure.js';

/** SIGTERM must end the process within 2 s; this leaves a margin for exit itself. */
const SHUTDOWN_BUDGET_MS = 1800;

/**
 * Exit codes are set, never forced: once the node has stopped (elector, backend clients, HTTP
 * server) nothing is left to keep the event loop alive, and the process ends by itself.
 */
function usageFailure(error: UsageError): void {
  process.stderr.write(`election-node: ${error.message}\nRun election-node --help for the options.\n`);
  process.exitCode = 2;
}

/**
 * The last resort, never reached on a clean shutdown: if something still holds the process
 * `SHUTDOWN_BUDGET_MS` after shutdown began (a backend that does not answer, a handle a dependency
 * leaked), say what and exit. Unref'd, so it never keeps the process alive by itself.
 */
function armWatchdog(logger: Logger): void {
  setTimeout(() => {
    logger.error(
      { budgetMs: SHUTDOWN_BUDGET_MS, activeResources: process.getActiveResourcesInfo() },
      'shutdown took too long; exiting without a clean leave',
    );
    process.exit(process.exitCode === undefined || process.exitCode === 0 ? 1 : process.exitCode);
  }, SHUTDOWN_BUDGET_MS).unref();
}

/** Stops the node; a failure to stop sets exit code 1. The process then ends by itself. */
async function stopNode(node: RunningNode, logger: Logger): Promise<void> {
  try {
    await node.stop();
  } catch (error) {
    logger.error({ err: error }, 'shutdown failed');
    process.exitCode = 1;
  }
}

/** A failed start: one line on stderr and one fatal log line, both naming the backend and where it is. */
function startFailure(node: RunningNode, config: NodeConfig, logger: Logger, error: unknown): void {
  const message = describeStartFailure(error, {
    backend: node.backend.name,
    endpoint: node.backend.endpoint,
    startTimeoutSeconds: config.startTimeoutSeconds,
  });
  const code = (error as { code?: unknown }).code;
  logger.fatal(
    {
      event: 'start-failed',
      backend: node.backend.name,
      endpoint: node.backend.endpoint,
      code: typeof code === 'string' ? code : undefined,
      lastError: lastErrorOf(error),
    },
    message,
  );
  process.stderr.write(`election-node: ${message}\n`);
  process.exitCode = 1;
}

async function run(config: NodeConfig): Promise<void> {
  const logger = createLogger(config.logLevel, config.id);
  process.on('unhandledRejection', (reason) => {
    // A bug, not a shutdown path: end at once rather than run on in an unknown state.
    logger.fatal({ err: reason }, 'unhandled rejection; this is a bug');
    process.exit(1);
  });

  // Signals are handled from the first moment: loading a backend client can take a while, and a
  // SIGTERM during it must still end the process cleanly.
  let node: RunningNode | undefined;
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      logger.warn({ signal }, 'already shutting down');
      return;
    }
    signalled = true;
    logger.info({ event: 'shutdown', signal }, `${signal}: resigning and leaving`);
    // If the backend does not answer, the registration expires by its TTL; the process still ends.
    armWatchdog(logger);
    if (node) void stopNode(node, logger);
    // Otherwise the node is still starting: it is stopped as soon as it exists (below).
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  node = await startNode(config, { logger });
  handleDrainSignals(node.elector, config.priority, logger);
  if (signalled) {
    await stopNode(node, logger);
    return;
  }
  try {
    await node.joined;
  } catch (error) {
    armWatchdog(logger);
    if (error instanceof UsageError) usageFailure(error);
    else startFailure(node, config, logger, error);
    await stopNode(node, logger);
  }
}

/**
 * The flags as a config; undefined when there is nothing to run: `--help` (the text is printed) or
 * bad flags (the message is printed, exit code 2).
 */
function configFrom(parse: () => ReturnType<typeof parseArgs>): NodeConfig | undefined {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parse();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    usageFailure(error);
    return undefined;
  }
  if (parsed.help) {
    process.stdout.write(HELP);
    return undefined;
  }
  return parsed.config;
}

/** `election-node list …`: print the members table and exit (1 when the backend cannot be read, 2 on bad flags). */
function list(args: readonly string[]): void {
  const config = configFrom(() => {
    if (args.some((arg) => arg === '--id' || arg.startsWith('--id='))) {
      throw new UsageError('list takes no --id: it joins as a short-lived observer of its own.');
    }
    return parseArgs(['--id', listerId(), ...args], { ...process.env, ELECTION_ID: undefined });
  });
  if (!config) return;
  listElection(config).then(
    (table) => process.stdout.write(table),
    (error: unknown) => {
      if (error instanceof UsageError) return usageFailure(error);
      process.stderr.write(
        `election-node list: could not read the election: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
}

function main(): void {
  if (process.argv[2] === 'list') {
    list(process.argv.slice(3));
    return;
  }
  const config = configFrom(() => parseArgs(process.argv.slice(2), process.env));
  if (!config) return;
  run(config).catch((error: unknown) => {
    if (error instanceof UsageError) {
      usageFailure(error);
      return;
    }
    process.stderr.write(
      `election-node: could not start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
  });
}

main();
