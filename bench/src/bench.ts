/**
 * `pnpm bench`: the core micro-benchmarks, failover and load against two baselines on local etcd
 * (and @election/postgres on a local PostgreSQL beside them), and the 1,000-member scale run; prints one table and writes docs/benchmarks.md.
 * Flags: see config.ts. Progress goes to stderr, the table to stdout.
 */
import { loadavg } from 'node:os';
import { parseBenchConfig } from './config.js';
import { type CoreResults, runCore } from './core/run-core.js';
import { createFailoverSuite, type FailoverResults } from './failover/run-failover-suite.js';
import { describeMachine } from './report/machine.js';
import { renderTable, tableRows } from './report/render.js';
import type { BenchResults } from './report/results.js';
import { GRACEFUL_MIN_RATIO, gracefulRatio } from './report/rows-failover.js';
import { DOCS_PATH, writeBenchmarksDoc } from './report/write-docs.js';
import { runScale, type ScaleResult } from './scale/run-scale.js';

const config = parseBenchConfig();
const began = performance.now();
const log = (line: string) =>
  process.stderr.write(`[${((performance.now() - began) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
const machine = describeMachine();
const startedAt = new Date();
log(
  `bench: ${machine.nproc} CPUs, Node ${machine.node}, etcd ${machine.etcd}, PostgreSQL ${machine.postgres}, load ${machine.loadAtStart.toFixed(1)}`,
);

const errors: string[] = [];
/** A part that throws is reported as a failed row; the parts that ran still make the table. */
async function attempt<T>(part: string, run: () => Promise<T>): Promise<T | undefined> {
  try {
    return await run();
  } catch (error) {
    const message = `${part}: ${error instanceof Error ? error.message : String(error)}`;
    errors.push(message);
    log(`bench: FAILED ${message}`);
    return undefined;
  }
}

// CPU-bound and timing-sensitive parts first, on a quiet machine; the seed's slow rounds overlap the rest.
let core: CoreResults | undefined;
if (config.parts.has('core')) core = await attempt('core', () => runCore(log));
let failover: FailoverResults | undefined;
let scale: ScaleResult | undefined;
if (config.parts.has('failover')) {
  const suite = createFailoverSuite({ rounds: config.rounds, loadWindowMs: config.loadWindowMs }, log);
  await suite.quiet();
  await suite.loud();
  if (config.parts.has('scale')) scale = await attempt('scale', () => runScale(scaleOptions(), log));
  failover = await suite.results();
} else if (config.parts.has('scale')) {
  scale = await attempt('scale', () => runScale(scaleOptions(), log));
}

const results: BenchResults = {
  machine,
  startedAt: startedAt.toISOString(),
  durationSeconds: (Date.now() - startedAt.getTime()) / 1000,
  loadAtEnd: loadavg()[0] ?? 0,
  rounds: config.rounds,
  errors,
  ...(core ? { core } : {}),
  ...(failover ? { failover } : {}),
  ...(scale ? { scale } : {}),
};
const table = renderTable(tableRows(results));
process.stdout.write(`${table}\n`);
if (errors.length > 0 || (failover?.errors.length ?? 0) > 0) process.exitCode = 1;
// The guard on the handover users see most: this library against etcd3's recipe, from this run.
if (failover) {
  const graceful = gracefulRatio(failover);
  const line = graceful
    ? `graceful handover, same run: @election/etcd median ${graceful.library.toFixed(1)} ms, etcd3 resign() median ${graceful.etcd3.toFixed(1)} ms: ${graceful.ratio.toFixed(1)}× (guard: ≥ ${GRACEFUL_MIN_RATIO}×)`
    : 'graceful handover: a subject is missing from this run, no ratio';
  process.stdout.write(`${line}\n`);
  if (!graceful || graceful.ratio < GRACEFUL_MIN_RATIO) {
    process.stdout.write(
      `bench: FAILED the graceful guard (under ${GRACEFUL_MIN_RATIO}× etcd3 in the same run)\n`,
    );
    process.exitCode = 1;
  }
}
if (config.writeDocs && config.parts.size === 3) {
  await writeBenchmarksDoc(results, table);
  log(`bench: wrote ${DOCS_PATH}`);
} else {
  log('bench: partial run (or --no-docs); docs/benchmarks.md left as it was');
}

function scaleOptions() {
  return {
    members: config.scaleMembers,
    crashRounds: config.scaleCrashRounds,
    gracefulRounds: config.scaleGracefulRounds,
  };
}
