import type { Logger } from '@election/core';
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

/**
 * Core logs its own joined/elected/demoted lines at info; the app already writes one line per
 * leadership change, so core speaks at info only when asked for debug.
 */
export function coreLogger(logger: PinoLogger): Logger {
  const level = logger.levelVal <= 20 ? logger.level : 'warn';
  return logger.child({ component: 'elector' }, { level: logger.levelVal > 40 ? logger.level : level });
}
