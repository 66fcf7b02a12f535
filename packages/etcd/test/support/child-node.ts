import { fileURLToPath } from 'node:url';
import { waitFor } from '@election/testing';
import { type ScriptProcess, spawnScript } from '@election/tools';

const script = fileURLToPath(new URL('./elector-process.ts', import.meta.url));
const tsconfig = fileURLToPath(new URL('./tsconfig.child.json', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

export interface ChildRecord {
  readonly type: string;
  readonly at: number;
  readonly isLeader?: boolean;
  readonly phase?: string;
  readonly term?: string | null;
  readonly leaseDeadline?: number | null;
  readonly demotedBeforeRead?: boolean;
  readonly reason?: string;
  /** `start-failed`: the error's code and message. `log`: the level and message. */
  readonly code?: string;
  readonly message?: string;
  readonly level?: string;
  readonly msg?: string;
}

export interface ChildNodeOptions {
  readonly endpoints: readonly string[];
  readonly prefix: string;
  readonly id: string;
  readonly ttlMs: number;
  /** The elector's takeover option. */
  readonly takeover?: boolean;
  /** Report log lines at info and above as `log` records. */
  readonly log?: boolean;
  /** Load, report `held`, and start the elector only on `release()`. */
  readonly holdStart?: boolean;
}

/** An elector in its own node process (run through tsx from source), observed through its stdout. */
export class ChildNode {
  readonly records: ChildRecord[] = [];
  readonly #process: ScriptProcess;

  constructor(options: ChildNodeOptions) {
    this.#process = spawnScript({
      script,
      cwd: repoRoot,
      env: {
        ...process.env,
        TSX_TSCONFIG_PATH: tsconfig,
        ETCD_ENDPOINTS: options.endpoints.join(','),
        ELECTION_PREFIX: options.prefix,
        NODE_ID: options.id,
        TTL_MS: String(options.ttlMs),
        TAKEOVER: options.takeover ? '1' : '0',
        LOG: options.log ? '1' : '0',
        HOLD_START: options.holdStart ? '1' : '0',
      },
      onJson: (record) => this.records.push(record as unknown as ChildRecord),
    });
  }

  get pid(): number {
    return this.#process.pid;
  }

  get alive(): boolean {
    return this.#process.alive;
  }

  /** Resolves once the process has exited. */
  get exited(): Promise<void> {
    return this.#process.exited;
  }

  get exitCode(): number | null {
    return this.#process.child.exitCode;
  }

  all(type: string): ChildRecord[] {
    return this.records.filter((record) => record.type === type);
  }

  last(type: string): ChildRecord | undefined {
    return this.records.filter((record) => record.type === type).at(-1);
  }

  async waitFor(type: string, timeoutMs: number): Promise<ChildRecord> {
    await waitFor(() => this.last(type) !== undefined, {
      timeoutMs,
      message: `child ${this.pid} to report "${type}"`,
      describe: () => `records=${JSON.stringify(this.records)} stderr=${this.#process.stderrTail()}`,
    });
    return this.last(type)!;
  }

  signal(signal: NodeJS.Signals): void {
    this.#process.signal(signal);
  }

  /** Starts the elector of a process spawned with `holdStart` (once it reported `held`). */
  release(): void {
    this.#process.signal('SIGUSR2');
  }

  /** Kills the process (SIGKILL) if it still runs and waits for it to be gone. */
  dispose(): Promise<void> {
    return this.#process.dispose();
  }
}
