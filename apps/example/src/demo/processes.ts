import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface NodeProcess {
  readonly id: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface SpawnOptions {
  readonly cliPath: string;
  readonly args: readonly string[];
  /** Each stdout line (JSON logs), as it comes. */
  readonly onLog: (id: string, line: string) => void;
  /** Each stderr line. */
  readonly onError: (id: string, line: string) => void;
}

/** Starts one `election-node` process (the built CLI) with JSON logs on stdout. */
export function spawnNode(id: string, options: SpawnOptions): NodeProcess {
  const child = spawn(process.execPath, [options.cliPath, ...options.args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // Not a TTY anyway (a pipe), but make the JSON format explicit for anyone reading this.
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  if (child.stdout) createInterface({ input: child.stdout }).on('line', (line) => options.onLog(id, line));
  if (child.stderr) createInterface({ input: child.stderr }).on('line', (line) => options.onError(id, line));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return { id, child, exited };
}

/** Sends `signal` and waits for the exit, or gives up (SIGKILL) after `timeoutMs`. */
export async function stopProcess(
  node: NodeProcess,
  signal: NodeJS.Signals,
  timeoutMs = 5000,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
  const started = performance.now();
  if (node.child.exitCode === null && node.child.signalCode === null) node.child.kill(signal);
  const timer = setTimeout(() => node.child.kill('SIGKILL'), timeoutMs);
  const result = await node.exited;
  clearTimeout(timer);
  return { ...result, ms: Math.round(performance.now() - started) };
}
