import { parseArgs } from 'node:util';
import { describeError } from './report.js';

/** What this library's node runs on; the baselines (etcd3 recipe, seed) are etcd only. */
export type NodeBackend = 'etcd' | 'postgres';

export interface NodeArgs {
  readonly id: string;
  /** etcd client URL or PostgreSQL connection string (loopback). */
  readonly endpoint: string;
  readonly backend: NodeBackend;
  /** Election name / key prefix, so several runs can share one etcd without seeing each other. */
  readonly election: string;
  readonly ttlSeconds: number;
  /** Extra flags some nodes take (the fenced resource URL, the poll interval...). */
  readonly extra: Readonly<Record<string, string | undefined>>;
}

/** `--id n1 --endpoint URL [--backend etcd|postgres] --election bench --ttl 2 [--resource URL --proc n1#2 --write-every-ms 50] [--poll-ms 5000]`. */
export function parseNodeArgs(argv: readonly string[] = process.argv.slice(2)): NodeArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      id: { type: 'string' },
      endpoint: { type: 'string' },
      backend: { type: 'string', default: 'etcd' },
      election: { type: 'string', default: 'bench' },
      ttl: { type: 'string', default: '2' },
      resource: { type: 'string' },
      'poll-ms': { type: 'string' },
      'write-every-ms': { type: 'string' },
      proc: { type: 'string' },
      mode: { type: 'string' },
      priority: { type: 'string' },
    },
  });
  if (values.id === undefined || values.endpoint === undefined) {
    throw new Error('usage: --id <id> --endpoint <http://127.0.0.1:port> [--election name] [--ttl seconds]');
  }
  const backend = values.backend;
  if (backend !== 'etcd' && backend !== 'postgres')
    throw new Error(`--backend must be etcd or postgres, got ${backend}`);
  const ttlSeconds = Number(values.ttl);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1)
    throw new Error(`--ttl must be whole seconds, got ${values.ttl}`);
  return {
    id: values.id,
    endpoint: values.endpoint,
    backend,
    election: values.election ?? 'bench',
    ttlSeconds,
    extra: {
      resource: values.resource,
      pollMs: values['poll-ms'],
      writeEveryMs: values['write-every-ms'],
      proc: values.proc,
      mode: values.mode,
      priority: values.priority,
    },
  };
}

export type Emit = (type: string, fields?: Record<string, unknown>) => void;

/** Runs `onStop` once on SIGTERM/SIGINT (the graceful leave), reports it, then exits. */
export function onGracefulStop(emit: Emit, onStop: () => Promise<void>): void {
  let stopping = false;
  const handler = () => {
    if (stopping) return;
    stopping = true;
    emit('stopping');
    onStop().then(
      () => {
        emit('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        emit('error', { where: 'stop', message: describeError(error) });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
