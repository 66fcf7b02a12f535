import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@election/testing';

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
}

/** An elector in its own node process (run through tsx from source), observed through its stdout. */
export class ChildNode {
  readonly records: ChildRecord[] = [];
  private readonly child: ChildProcess;
  private stderr = '';
  private readonly exited: Promise<void>;

  constructor(options: { endpoints: readonly string[]; prefix: string; id: string; ttlMs: number }) {
    this.child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: repoRoot,
      env: {
        ...process.env,
        TSX_TSCONFIG_PATH: tsconfig,
        ETCD_ENDPOINTS: options.endpoints.join(','),
        ELECTION_PREFIX: options.prefix,
        NODE_ID: options.id,
        TTL_MS: String(options.ttlMs),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      try {
        this.records.push(JSON.parse(line) as ChildRecord);
      } catch {
        this.stderr += `(stdout) ${line}\n`;
      }
    });
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  last(type: string): ChildRecord | undefined {
    return this.records.filter((record) => record.type === type).at(-1);
  }

  async waitFor(type: string, timeoutMs: number): Promise<ChildRecord> {
    await waitFor(() => this.last(type) !== undefined, {
      timeoutMs,
      message: `child ${this.pid} to report "${type}"`,
      describe: () => `records=${JSON.stringify(this.records)} stderr=${this.stderr}`,
    });
    return this.last(type)!;
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Kills the process (SIGKILL) if it still runs and waits for it to be gone. */
  async dispose(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGCONT');
      this.child.kill('SIGKILL');
    }
    await this.exited;
  }
}
