import { sharedNow } from '../util/clock.js';

/** One line a node process prints to stdout; `t` is on the machine-wide shared clock. */
export interface NodeEvent {
  readonly t: number;
  readonly node: string;
  readonly type: string;
  readonly [field: string]: unknown;
}

/**
 * Prints one JSON line. stdout to a pipe is synchronous on Linux, so a line is out of the process
 * before the next statement runs: a SIGKILL right after cannot lose it.
 */
export function report(node: string, type: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ t: sharedNow(), node, type, ...fields }, (_key, value: unknown) =>
    typeof value === 'bigint' ? value.toString() : value,
  );
  process.stdout.write(`${line}\n`);
}

/** The error text a node reports: message and name only, never a whole object that might carry secrets. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
