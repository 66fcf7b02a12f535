import type { LogFn, Logger } from '@election/core';
import { type Logger as PinoLogger, pino } from 'pino';
import pretty from 'pino-pretty';
import type { LogLevel } from './flags.js';

/**
 * JSON lines for machines; when stdout is a terminal, pino-pretty as an in-process stream (not a
 * worker transport) so that the last lines before exit are never lost.
 */
export function createLogger(level: LogLevel, id: string, tty = process.stdout.isTTY === true): PinoLogger {
  const options = { level, base: { node: id } };
  if (!tty) return pino(options, pino.destination({ fd: 1, sync: true }));
  return pino(
    options,
    pretty({
      colorize: true,
      sync: true,
      singleLine: true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
    }),
  );
}

/** Core's info lines that the app already writes its own way (its `joined` and `leader-changed` lines). */
const SAID_BY_THE_APP: ReadonlySet<string> = new Set(['joined', 'elected', 'demoted']);

/** `logger` without the info lines in `SAID_BY_THE_APP`; everything else passes as it is. */
function withoutDuplicates(logger: PinoLogger): Logger {
  const info: LogFn = (first: object | string, msg?: string) => {
    const text = typeof first === 'string' ? first : msg;
    if (text !== undefined && SAID_BY_THE_APP.has(text)) return;
    if (typeof first === 'string') logger.info(first);
    else logger.info(first, msg);
  };
  return {
    debug: logger.debug.bind(logger),
    info,
    warn: logger.warn.bind(logger),
    error: logger.error.bind(logger),
    child: (bindings) => withoutDuplicates(logger.child(bindings)),
  };
}

/**
 * Core's logger. Core's warnings and its informative lines (an outage's end: "etcd at … answers
 * again after 31.2 s", a registration resumed, a handover) pass at info; its joined/elected/demoted
 * lines are dropped there, because the app writes one line per leadership change itself. At debug
 * everything passes.
 */
export function coreLogger(logger: PinoLogger): Logger {
  const child = logger.child({ component: 'elector' });
  return logger.levelVal <= 20 ? child : withoutDuplicates(child);
}
