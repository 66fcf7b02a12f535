import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { spawnScript as spawnToolScript } from '@election/tools';

export const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
export const DEMO = fileURLToPath(new URL('../dist/demo.js', import.meta.url));

/** Spawned tests run the built CLI; fail with the command to run rather than a confusing ENOENT. */
export function requireBuilt(path: string): void {
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: run \`pnpm exec turbo run build --filter election-node...\` first.`);
  }
}

export interface Spawned {
  readonly child: ChildProcess;
  /** Every stdout line parsed as JSON (pino); lines that are not JSON are kept as { raw }. */
  readonly logs: Array<Record<string, unknown>>;
  /** When each entry of `logs` arrived here (performance.now()). */
  arrivedAt(line: Record<string, unknown>): number | undefined;
  stdout(): string;
  stderr(): string;
  /** Bytes written to stdout and stderr so far: the log volume an operator stores. */
  logBytes(): number;
  /** Resolves once the process has exited and its output is read, with the time it exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

/** Runs a built script through @election/tools' spawnScript, keeping every line and its byte count. */
export function spawnScript(script: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Spawned {
  requireBuilt(script);
  // Start from a clean ELECTION_* slate so the developer's environment cannot change a test.
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('ELECTION_')),
  );
  const logs: Array<Record<string, unknown>> = [];
  const arrivals = new WeakMap<Record<string, unknown>, number>();
  let out = '';
  let err = '';
  let bytes = 0;
  const keep = (line: Record<string, unknown>) => {
    logs.push(line);
    arrivals.set(line, performance.now());
  };
  const { child } = spawnToolScript({
    script,
    args,
    env: { ...base, NO_COLOR: '1', ...env },
    onJson: (value) => {
      out += `${JSON.stringify(value)}\n`;
      keep(value);
    },
    onText: (line) => {
      out += `${line}\n`;
      keep({ raw: line });
    },
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    err += chunk.toString();
  });
  let exitedAt = 0;
  child.once('exit', () => {
    exitedAt = performance.now();
  });
  // 'close' comes after the last line of output: assertions on the logs see all of them.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal, at: exitedAt || performance.now() })),
  );
  return {
    child,
    logs,
    arrivedAt: (line) => arrivals.get(line),
    stdout: () => out,
    stderr: () => err,
    logBytes: () => bytes,
    exited,
  };
}

export const spawnCli = (args: readonly string[], env?: NodeJS.ProcessEnv) => spawnScript(CLI, args, env);

/** The flags of node `id` of `election` on the etcd at `endpoint`, with a TTL in seconds, and `extra`. */
export const etcdNodeArgs = (
  id: string,
  endpoint: string,
  election: string,
  ttlSeconds: number,
  extra: readonly string[] = [],
) => [
  '--id',
  id,
  '--backend',
  'etcd',
  '--etcd',
  endpoint,
  '--election',
  election,
  '--ttl',
  String(ttlSeconds),
  ...extra,
];

/**
 * Polls `condition` every 10 ms until it is truthy; fails naming `what` after `timeoutMs`. A
 * condition that throws (a request to a node still busy starting) counts as "not yet"; the last
 * error is reported if the deadline passes.
 */
export async function waitFor<T>(
  what: string,
  condition: () => T | Promise<T>,
  timeoutMs = 10_000,
): Promise<Exclude<T, undefined | null | false>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as Exclude<T, undefined | null | false>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const last = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The URL a spawned node printed at start. */
export function listenUrl(node: Spawned): Promise<string> {
  return waitFor(`${node.child.pid} to print its listen address`, () => {
    const line = node.logs.find((entry) => entry.event === 'listening');
    return typeof line?.url === 'string' ? line.url : undefined;
  });
}

export async function getText(url: string): Promise<{ status: number; body: string; type: string | null }> {
  // Generous: a spawned node on a loaded CI machine may take a moment to answer.
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return { status: response.status, body: await response.text(), type: response.headers.get('content-type') };
}

/** Kills a spawned process that a failed test left running. */
export function killLeftovers(nodes: Spawned[]): void {
  for (const node of nodes.splice(0)) {
    if (node.child.exitCode === null && node.child.signalCode === null) node.child.kill('SIGKILL');
  }
}

/**
 * SIGTERM, then the process must end by itself: exit code 0 (the CLI's last-resort watchdog would
 * exit 1) within 2 s of the signal and within 1 s of its "stopped" line. Resolves with the times.
 */
export async function terminateCleanly(
  node: Spawned,
): Promise<{ afterSignalMs: number; afterStoppedMs: number }> {
  const sent = performance.now();
  node.child.kill('SIGTERM');
  const exit = await node.exited;
  const stopped = node.logs.find((line) => line.event === 'stopped');
  const stoppedAt = stopped === undefined ? undefined : node.arrivedAt(stopped);
  if (exit.code !== 0 || stoppedAt === undefined) {
    throw new Error(
      `expected exit 0 after a "stopped" line, got code ${exit.code} signal ${exit.signal}; last lines:\n` +
        node.stdout().split('\n').slice(-5).join('\n'),
    );
  }
  return { afterSignalMs: exit.at - sent, afterStoppedMs: exit.at - stoppedAt };
}
