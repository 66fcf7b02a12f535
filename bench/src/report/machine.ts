import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';

export interface Machine {
  readonly nproc: number;
  readonly cpu: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly etcd: string;
  /** PostgreSQL's version (`pg_config --version`), or "unknown". */
  readonly postgres: string;
  /** 1-minute load average when the run started: other work on the machine shows here. */
  readonly loadAtStart: number;
}

export function describeMachine(): Machine {
  let etcd = 'unknown';
  try {
    const output = execFileSync(process.env.ETCD_BINARY ?? '/usr/bin/etcd', ['--version'], {
      encoding: 'utf8',
    });
    etcd = /etcd Version:\s*(\S+)/.exec(output)?.[1] ?? output.split('\n')[0] ?? 'unknown';
  } catch {
    // Left as "unknown": the failover part will fail loudly anyway if etcd is missing.
  }
  let postgres = 'unknown';
  try {
    const output = execFileSync('pg_config', ['--version'], { encoding: 'utf8' });
    postgres = /PostgreSQL\s+(\S+)/.exec(output)?.[1] ?? 'unknown';
  } catch {
    // Left as "unknown": the PostgreSQL runs will fail loudly if it is missing.
  }
  return {
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    etcd,
    postgres,
    loadAtStart: loadavg()[0] ?? 0,
  };
}
