import { createInterface } from 'node:readline';
import pg from 'pg';
import type { Emit } from './node-args.js';

/** The function a statement calls (`election_renew`, the listener's probe `pg_notify`), else its first word (`listen`). */
export function statementName(text: string): string {
  const called = /\.(election_\w+)\(|\bfrom (pg_notify)\(/.exec(text);
  return called?.[1] ?? called?.[2] ?? text.trim().split(/\s+/)[0]?.toLowerCase() ?? '?';
}

/**
 * Counts, on the client side, every statement this process sends to PostgreSQL: `pg.Client`'s
 * `query` is wrapped, and both the adapter's pool (pg-pool runs each `pool.query` as one
 * `client.query`) and its listening connection are `pg.Client`s. A line `{"cmd":"statements"}` on
 * stdin prints the counts so far as one `statements` event, keyed by `statementName`.
 */
export function countStatements(emit: Emit): void {
  const counts = new Map<string, number>();
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const config = args[0];
    const text =
      typeof config === 'string' ? config : ((config as { text?: string } | undefined)?.text ?? '');
    const name = statementName(text);
    counts.set(name, (counts.get(name) ?? 0) + 1);
    return Reflect.apply(query, this, args);
  } as typeof query;
  createInterface({ input: process.stdin }).on('line', (line) => {
    let command: { cmd?: unknown };
    try {
      command = JSON.parse(line) as typeof command;
    } catch {
      return;
    }
    if (command.cmd === 'statements') emit('statements', { counts: Object.fromEntries(counts) });
  });
}
