import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

/** tsx's loader, resolved from here: a child runs a .ts script from source. */
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface SpawnScriptOptions {
  /** Absolute path of the .ts (run through tsx) or .js script. */
  readonly script: string;
  readonly args?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Node flags before the script (e.g. --cpu-prof). */
  readonly nodeFlags?: readonly string[];
  /** Keep stdin open as a pipe, for `send()`. Default false. */
  readonly stdin?: boolean;
  /** Each stdout line that parses as a JSON object. */
  readonly onJson?: (value: Record<string, unknown>) => void;
  /** Each stdout line that does not. */
  readonly onText?: (line: string) => void;
}

/** A node child process that reports in JSON lines on stdout. */
export interface ScriptProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly alive: boolean;
  /** Resolves once the process has exited and its stdout and stderr are read to the end. */
  readonly exited: Promise<void>;
  /** Sends `signal` if the process still runs. */
  signal(signal: NodeJS.Signals): void;
  /** Writes one JSON line to stdin (needs `stdin: true`). */
  send(command: Record<string, unknown>): void;
  /** The last 4000 characters of stderr, for error messages. */
  stderrTail(): string;
  /** SIGCONT (a stopped process cannot die otherwise), SIGKILL, and waits until it is gone. */
  dispose(): Promise<void>;
}

/** Starts `node [--import tsx] script args`, reading its stdout as JSON lines. */
export function spawnScript(options: SpawnScriptOptions): ScriptProcess {
  const loader = options.script.endsWith('.ts') ? ['--import', tsxLoader] : [];
  const child = spawn(
    process.execPath,
    [...(options.nodeFlags ?? []), ...loader, options.script, ...(options.args ?? [])],
    {
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
      env: options.env ?? process.env,
      stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  if (child.stdout) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      let parsed: unknown;
      try {
        parsed = line.startsWith('{') ? JSON.parse(line) : undefined;
      } catch {
        // A partial line from a process killed mid-write: handed on as text.
      }
      if (typeof parsed === 'object' && parsed !== null) options.onJson?.(parsed as Record<string, unknown>);
      else options.onText?.(line);
    });
  }
  let alive = true;
  // 'close', not 'exit': 'exit' can come before the last stdout lines are read, and a test that
  // checks the records once the child is gone would then miss them (found by CI: the 'stopped' and
  // 'exit' records of a child that had printed both were missing).
  const exited = new Promise<void>((resolve) =>
    child.once('close', () => {
      alive = false;
      resolve();
    }),
  );
  return {
    child,
    pid: child.pid ?? -1,
    get alive() {
      return alive;
    },
    exited,
    signal(signal) {
      if (alive) child.kill(signal);
    },
    send(command) {
      child.stdin?.write(`${JSON.stringify(command)}\n`);
    },
    stderrTail: () => stderr,
    async dispose() {
      if (alive) {
        child.kill('SIGCONT');
        child.kill('SIGKILL');
      }
      await exited;
    },
  };
}
