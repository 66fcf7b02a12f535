/**
 * `pnpm chaos [--backend etcd|postgres] [--faults 200] [--seed 1] [--nodes 5] [--history-out file.json] [--logs-out file.json] [--mode view]`: five nodes of this
 * library on a local etcd (or PostgreSQL) under a seeded fault schedule, fenced writes throughout, then a checker
 * judges the history. Prints every fault and the verdict; exits 1 on any violation.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { runChaos } from './chaos/run-chaos.js';
import { summarizeChaos } from './chaos/summary.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'etcd' },
    faults: { type: 'string', default: '200' },
    seed: { type: 'string', default: '1' },
    nodes: { type: 'string', default: '5' },
    'history-out': { type: 'string' },
    'logs-out': { type: 'string' },
    mode: { type: 'string', default: 'confirmed' },
  },
});
const faults = Number(values.faults);
const seed = Number(values.seed);
const nodes = Number(values.nodes);
if (!Number.isInteger(faults) || faults < 1)
  throw new Error(`--faults must be a positive integer, got ${values.faults}`);
if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got ${values.seed}`);
if (!Number.isInteger(nodes) || nodes < 2)
  throw new Error(`--nodes must be an integer ≥ 2, got ${values.nodes}`);

const backend = values.backend;
if (backend !== 'etcd' && backend !== 'postgres')
  throw new Error(`--backend must be etcd or postgres, got ${backend}`);
const mode = values.mode;
if (mode !== 'confirmed' && mode !== 'view') throw new Error(`--mode must be confirmed or view, got ${mode}`);

console.log(
  `chaos: ${nodes} nodes on ${backend}, ${faults} faults, seed ${seed}${mode === 'view' ? ', VIEW mode (expected to fail)' : ''}`,
);
// Ctrl-C ends the schedule early but still stops the nodes and the database and judges what ran.
const interrupted = new AbortController();
process.once('SIGINT', () => interrupted.abort());
process.once('SIGTERM', () => interrupted.abort());
const result = await runChaos({
  backend,
  faults,
  seed,
  nodes,
  mode,
  signal: interrupted.signal,
  log: (line) => console.log(line),
});
if (values['history-out'] !== undefined) {
  await writeFile(values['history-out'], JSON.stringify(result.history, null, 1));
}
if (values['logs-out'] !== undefined) {
  await writeFile(values['logs-out'], JSON.stringify(result.logs, null, 1));
}
for (const line of summarizeChaos(result)) console.log(line);
process.exitCode = result.verdict.ok ? 0 : 1;
