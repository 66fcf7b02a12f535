/**
 * What every server launcher of this package (etcd, PostgreSQL) shares: the shape tests see
 * (`TestServer`), and the child process under it, tracked so that a test run that dies never
 * leaves a server behind.
 */
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { freePorts } from './free-port.js';

/** A server a test started (or was pointed at): where it is, and how to break and end it. */
export interface TestServer {
  /** Where a client connects: `http://127.0.0.1:<port>` (etcd), `postgres://…@127.0.0.1:<port>/…`. */
  readonly url: string;
  readonly dataDir: string;
  /** False for an external server (given by an environment variable): kill and restart are not possible. */
  readonly controllable: boolean;
  /** Why it is not controllable, for skip messages. */
  readonly notControllableReason: string | undefined;
  /** Sends `signal` to the server's process and, unless it is SIGSTOP or SIGCONT, waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the server again on the same port(s) and data dir, and waits until it is ready. */
  restart(): Promise<void>;
  /** Stops the server and removes what was created (temp dirs, certificates). Idempotent. */
  stop(): Promise<void>;
}

/** One running server process: its exit, its recent stderr, and a kill that waits for the exit. */
export interface ServerProcess {
  readonly child: ChildProcess;
  /** Resolves once the process has exited (at once if it already has). */
  readonly exited: Promise<void>;
  hasExited(): boolean;
  /** The last 4000 characters it wrote to stderr. */
  stderr(): string;
  /** Sends `signal`; unless it is SIGSTOP or SIGCONT, resolves once the process has exited. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

export interface SpawnServerOptions extends Omit<SpawnOptions, 'stdio' | 'detached'> {
  /**
   * The server forks workers of its own (PostgreSQL's backends): run it as the leader of its own
   * process group, and send SIGKILL, SIGSTOP and SIGCONT to the whole group and to each of the
   * server's children, so a crash or a pause takes every worker with it, as it would on a machine.
   * (PostgreSQL's children leave the group: each calls setsid() at its start, in
   * InitPostmasterChild, so the group alone would freeze the postmaster and leave the backends
   * serving their connections.) Other signals (a graceful shutdown) go to the server's own pid only.
   */
  readonly group?: boolean;
}

/** Signals that hit a whole process group (see SpawnServerOptions.group). */
const GROUP_SIGNALS: ReadonlySet<NodeJS.Signals> = new Set(['SIGKILL', 'SIGSTOP', 'SIGCONT']);

const live = new Map<ChildProcess, boolean>();
// Last resort: never leave a server behind when a test run dies. Kill by pid (or the process group
// we made it lead), only our children.
process.once('exit', () => {
  for (const [child, group] of live) signal(child, group, 'SIGKILL');
});

function signal(child: ChildProcess, group: boolean, name: NodeJS.Signals): void {
  const pid = child.pid;
  if (!group || pid === undefined || !GROUP_SIGNALS.has(name)) {
    child.kill(name);
    return;
  }
  const send = (target: number) => {
    try {
      process.kill(target, name);
    } catch {
      // Gone already.
    }
  };
  // The children are found while the server lives (killed, they would be reparented); a stopped
  // server forks no new one, so for SIGSTOP it goes first.
  if (name === 'SIGSTOP') send(-pid);
  const children = childrenOf(pid);
  if (name !== 'SIGSTOP') send(-pid);
  for (const worker of children) send(worker);
}

/** The pids whose parent is `pid`, from /proc (Linux); none where there is no /proc. */
function childrenOf(pid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const children: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // The process ended meanwhile.
    }
  }
  return children;
}

/** Spawns a server process (stdout ignored, stderr kept) and tracks it until it exits. */
export function spawnServer(
  command: string,
  args: readonly string[],
  options: SpawnServerOptions = {},
): ServerProcess {
  const { group = false, ...spawnOptions } = options;
  const child = spawn(command, args, {
    ...spawnOptions,
    detached: group,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  live.set(child, group);
  let done = false;
  const exited = new Promise<void>((resolve) => {
    const finish = () => {
      done = true;
      live.delete(child);
      resolve();
    };
    child.once('exit', finish);
    // A command that cannot be started emits 'error' and never 'exit'.
    child.once('error', (error) => {
      stderr += String(error);
      finish();
    });
  });
  return {
    child,
    exited,
    hasExited: () => done,
    stderr: () => stderr,
    async kill(name) {
      if (done) return;
      signal(child, group, name);
      // SIGSTOP freezes it and SIGCONT resumes it: neither ends the process.
      if (name !== 'SIGSTOP' && name !== 'SIGCONT') await exited;
    },
  };
}

/**
 * Polls `ready` every 50 ms until it resolves true; throws (after killing the process) when the
 * process exits first or `timeoutMs` passes. `what` names the server in the messages.
 */
export async function waitUntilReady(
  server: ServerProcess,
  ready: () => Promise<boolean>,
  what: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server.hasExited()) throw new Error(`${what} exited during start-up: ${server.stderr()}`);
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) {
      await server.kill('SIGKILL');
      throw new Error(`${what} did not become ready in time: ${server.stderr()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Another process may grab a "free" port before the server binds it: `launch` gets fresh free
 * ports (`count` of them) up to three times; the last failure is thrown.
 */
export async function onFreePorts<T>(count: number, launch: (ports: number[]) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await launch(await freePorts(count));
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

/** What a launcher needs to give its server the common controls. */
export interface ControlsOptions {
  /** The server's name in messages (`etcd`, `PostgreSQL`). */
  readonly name: string;
  readonly dataDir: string;
  /** The process running now, if any. */
  readonly current: () => ServerProcess | undefined;
  /** Starts the server again on its port(s) and data dir; resolves once it is ready. */
  readonly launch: () => Promise<void>;
  /** Whether `stop()` has been called. */
  readonly stopped: () => boolean;
  readonly stop: () => Promise<void>;
}

type Controls = Pick<
  TestServer,
  'dataDir' | 'controllable' | 'notControllableReason' | 'kill' | 'restart' | 'stop'
>;

/** The `TestServer` controls of a server this process started: kill, restart (after a SIGKILL), stop. */
export function serverControls(options: ControlsOptions): Controls {
  return {
    dataDir: options.dataDir,
    controllable: true,
    notControllableReason: undefined,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      await options.current()?.kill(signal);
    },
    async restart() {
      if (options.stopped()) throw new Error(`this ${options.name} was stopped; start a new one`);
      await options.current()?.kill('SIGKILL');
      await options.launch();
    },
    stop: options.stop,
  };
}

/** The controls of a server given by an environment variable: usable, never killed, restarted or stopped. */
export function externalControls(reason: string): Controls {
  const refuse = async () => {
    throw new Error(reason);
  };
  return {
    dataDir: '',
    controllable: false,
    notControllableReason: reason,
    kill: refuse,
    restart: refuse,
    stop: async () => {},
  };
}
