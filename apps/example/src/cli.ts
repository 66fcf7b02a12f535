#!/usr/bin/env node
import { type NodeConfig, parseArgs, UsageError } from './flags.js';
import { HELP } from './help.js';
import { createLogger } from './logger.js';
import { type RunningNode, startNode } from './node.js';

/** SIGTERM must end the process within 2 s; this leaves a margin for exit itself. */
const SHUTDOWN_BUDGET_MS = 1800;

function usageExit(error: UsageError): never {
  process.stderr.write(`election-node: ${error.message}\nRun election-node --help for the options.\n`);
  process.exit(2);
}

async function run(config: NodeConfig): Promise<void> {
  const logger = createLogger(config.logLevel, config.id);
  process.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason }, 'unhandled rejection; this is a bug');
    process.exit(1);
  });

  // Signals are handled from the first moment: loading a backend client can take a while, and a
  // SIGTERM during it must still end the process cleanly.
  let node: RunningNode | undefined;
  let signalled = false;
  const shutdown = (current: RunningNode) => {
    current.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      logger.warn({ signal }, 'already shutting down');
      return;
    }
    signalled = true;
    logger.info({ event: 'shutdown', signal }, `${signal}: resigning and leaving`);
    // If the backend does not answer, the registration expires by its TTL; the process still ends.
    setTimeout(() => {
      logger.error({ budgetMs: SHUTDOWN_BUDGET_MS }, 'shutdown took too long; exiting without a clean leave');
      process.exit(1);
    }, SHUTDOWN_BUDGET_MS).unref();
    if (node) shutdown(node);
    // Otherwise the node is still starting: it is stopped as soon as it exists (below).
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  node = await startNode(config, { logger });
  if (signalled) {
    shutdown(node);
    return;
  }

  try {
    await node.joined;
  } catch (error) {
    if (error instanceof UsageError) usageExit(error);
    logger.fatal({ err: error }, 'could not start');
    await node.stop();
    process.exit(1);
  }
}

function main(): void {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof UsageError) usageExit(error);
    throw error;
  }
  if (parsed.help) {
    process.stdout.write(HELP);
    return;
  }
  run(parsed.config).catch((error: unknown) => {
    if (error instanceof UsageError) usageExit(error);
    process.stderr.write(
      `election-node: could not start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  });
}

main();
