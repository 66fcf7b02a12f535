import type { Logger } from '../../src/index.js';

/** Serializes like pino's err serializer would: errors with message, stack and every cause; bigints as text. */
export function serialize(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Error) return { ...v, name: v.name, message: v.message, stack: v.stack, cause: v.cause };
    return v;
  });
}

export interface LogLine {
  readonly level: string;
  readonly msg: string | undefined;
  /** The fields object, serialized (see `serialize`). */
  readonly fields: string;
}

/** A logger that keeps every line it is given. */
export function recordingLogger() {
  const lines: LogLine[] = [];
  const at =
    (level: string) =>
    (obj: unknown, msg?: string): void => {
      lines.push(
        typeof obj === 'string' ? { level, msg: obj, fields: '' } : { level, msg, fields: serialize(obj) },
      );
    };
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => logger,
  };
  return { logger, lines };
}
