/**
 * `pnpm chaos [--faults 200] [--seed 1] [--nodes 5] [--history-out file.json]`: five nodes of this
 * library on a local etcd under a seeded fault schedule, fenced writes throughout, then a checker
 * judges the history. Prints every fault and the verdict; exits 1 on any violation.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { runChaos } from './chaos/run-chaos.js';
import { summarizeChaos } from './chaos/summary.js';

const { values } = parseArgs({
  options: {
    faults: { type: 'string', default: '200' },
    seed: { type: 'string', default: '1' },
    nodes: { type: 'string', default: '5' },
    'history-out': { type: 'string' },
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

console.log(`chaos: ${nodes} nodes, ${faults} faults, seed ${seed}`);
const result = await runChaos({ faults, seed, nodes, log: (line) => console.log(line) });
if (values['history-out'] !== undefined) {
  await writeFile(values['history-out'], JSON.stringify(result.history, null, 1));
}
for (const line of summarizeChaos(result)) console.log(line);
process.exitCode = result.verdict.ok ? 0 : 1;
