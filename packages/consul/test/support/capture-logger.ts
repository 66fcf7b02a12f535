import type { Logger } from '@election/core';

export interface LogRecord {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly bindings: Record<string, unknown>;
  readonly obj: object | undefined;
  readonly msg: string | undefined;
}

export interface CapturedLogger extends Logger {
  readonly records: LogRecord[];
  /** Everything logged, serialised the way a JSON logger would (errors with message, stack, cause). */
  text(): string;
}

function serialise(value: unknown, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (value instanceof Error) {
    const own = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, serialise(v, seen)]));
    return { ...own, message: value.message, stack: value.stack, cause: serialise(value.cause, seen) };
  }
  if (Array.isArray(value)) return value.map((v) => serialise(v, seen));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, serialise(v, seen)]));
}

/** A pino-shaped logger that keeps every record, for asserting what was (and was not) logged. */
export function createCaptureLogger(
  records: LogRecord[] = [],
  bindings: Record<string, unknown> = {},
): CapturedLogger {
  const at =
    (level: LogRecord['level']) =>
    (objOrMsg: object | string, msg?: string): void => {
      if (typeof objOrMsg === 'string') records.push({ level, bindings, obj: undefined, msg: objOrMsg });
      else records.push({ level, bindings, obj: objOrMsg, msg });
    };
  return {
    records,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => createCaptureLogger(records, { ...bindings, ...more }),
    text: () => JSON.stringify(serialise(records)),
  };
}
