import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

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
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnScript(script: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Spawned {
  requireBuilt(script);
  // Start from a clean ELECTION_* slate so the developer's environment cannot change a test.
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('ELECTION_')),
  );
  const child = spawn(process.execPath, [script, ...args], {
    env: { ...base, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  let out = '';
  let err = '';
  if (child.stdout) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      out += `${line}\n`;
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ raw: line });
      }
    });
  }
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  return { child, logs, stdout: () => out, stderr: () => err, exited };
}

export const spawnCli = (args: readonly string[], env?: NodeJS.ProcessEnv) => spawnScript(CLI, args, env);

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
