import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ScriptProcess, spawnScript } from './child-process.js';
import { readmeExample, replaceOnce, sourceTsconfig } from './markdown.js';

const epochNow = () => performance.timeOrigin + performance.now();

/**
 * Lines appended to an example that has an `elector`: one JSON line the moment its `stop()` has
 * resolved (the `stopped` phase is the last thing stop() does), so a test can measure how long the
 * process lives on after it. Appended, never woven into the example's own code.
 */
export const REPORT_STOP = `
elector.on('phase', ({ phase }) => {
  if (phase === 'stopped')
    console.log(JSON.stringify({ type: 'stop-resolved', at: performance.timeOrigin + performance.now() }));
});
`;

/**
 * Lines appended to an example that starts an `elector` at its top level: once it has started, one
 * JSON line with what it sees (`type: 'started'`, `leaderId`, `members`).
 */
export const REPORT_STARTED = `
console.log(JSON.stringify({ type: 'started', leaderId: elector.state.leaderId, members: elector.state.members.map((m) => m.id) }));
`;

/**
 * The repository root README's example (the block with `createElector({`), word for word except its
 * etcd membership line and that line's import, which become `importLine` and `membershipLine`;
 * with REPORT_STARTED and REPORT_STOP appended (after the whole example, so its SIGTERM handler is
 * in place when the test sees "started"). Throws if the README changed so that this no longer holds,
 * or if the example passes a `ttlMs` (every backend's default must do).
 */
export function rootReadmeExampleOn(readmePath: string, importLine: string, membershipLine: string): string {
  let code = readmeExample(readmePath, 'createElector({');
  code = replaceOnce(code, "import { createEtcdMembership } from '@election/etcd';", importLine);
  code = replaceOnce(
    code,
    "const membership = createEtcdMembership({ endpoints: ['http://127.0.0.1:2379'] });",
    membershipLine,
  );
  if (/ttlMs/.test(code))
    throw new Error('the root README example passes a ttlMs; it must run on the defaults');
  return code + REPORT_STARTED + REPORT_STOP;
}

/** How a terminated example ended. */
export interface ExampleExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** From `stop()` resolving (REPORT_STOP) to the process exiting; undefined without that line. */
  readonly afterStopMs: number | undefined;
  /** It was still running `limitMs` after SIGTERM and was killed (SIGKILL). */
  readonly killed: boolean;
}

/** A README example running in its own node process, from the workspace sources (tsx). */
export interface ExampleProcess {
  /** Every stdout line that is not JSON (the example's own console.log output). */
  readonly lines: readonly string[];
  /** Every stdout line that is a JSON object. */
  readonly records: readonly Record<string, unknown>[];
  readonly process: ScriptProcess;
  /**
   * SIGTERM, then waits until the process has exited and its output is read; one still running
   * `limitMs` (default 5000) after the signal is killed, and reported as such.
   */
  terminate(limitMs?: number): Promise<ExampleExit>;
  /** Kills it if it still runs and removes its file. */
  dispose(): Promise<void>;
}

/**
 * Writes `code` to `<scratchDir>/<name>-<pid>-<n>.ts` (a folder inside the package, so its
 * `node_modules` resolve) and runs it with every `@election/*` package mapped to its sources.
 */
export function startExample(options: {
  readonly code: string;
  readonly scratchDir: string;
  readonly name: string;
  readonly env?: NodeJS.ProcessEnv;
}): ExampleProcess {
  mkdirSync(options.scratchDir, { recursive: true });
  const file = join(options.scratchDir, `${options.name}-${process.pid}-${Date.now()}.ts`);
  writeFileSync(file, options.code);
  const lines: string[] = [];
  const records: Record<string, unknown>[] = [];
  const child = spawnScript({
    script: file,
    env: { ...process.env, ...options.env, TSX_TSCONFIG_PATH: sourceTsconfig },
    onJson: (record) => records.push(record),
    onText: (line) => lines.push(line),
  });
  let exitedAt = 0;
  child.child.once('exit', () => {
    exitedAt = epochNow();
  });
  // 'close', not 'exit': the last lines may still be in the pipe when the process exits.
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.child.once('close', (code, signal) => resolve({ code, signal })),
  );
  return {
    lines,
    records,
    process: child,
    async terminate(limitMs = 5000) {
      child.signal('SIGTERM');
      let killed = false;
      const timer = setTimeout(() => {
        killed = true;
        child.signal('SIGKILL');
      }, limitMs);
      const { code, signal } = await closed;
      clearTimeout(timer);
      const stopped = records.find((record) => record.type === 'stop-resolved');
      return {
        code,
        signal,
        killed,
        afterStopMs: typeof stopped?.at === 'number' ? exitedAt - stopped.at : undefined,
      };
    },
    async dispose() {
      await child.dispose();
      rmSync(file, { force: true });
    },
  };
}
