import { parseArgs } from 'node:util';
import { runSimulation } from './simulation.js';
import { SIM_BUGS, type SimBug } from './world.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10000' },
    seed: { type: 'string' },
    path: { type: 'string' },
    'commands-path': { type: 'string' },
    bug: { type: 'string', default: 'none' },
  },
});
if (!SIM_BUGS.includes(values.bug as SimBug)) {
  console.error(`--bug must be one of ${SIM_BUGS.join(', ')}, got "${values.bug}".`);
  process.exit(2);
}
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`--runs must be a whole number >= 1, got "${values.runs}".`);
  process.exit(2);
}
const result = await runSimulation({
  runs,
  ...(values.seed === undefined ? {} : { seed: Number(values.seed) }),
  ...(values.path === undefined ? {} : { path: values.path }),
  ...(values['commands-path'] === undefined ? {} : { commandsPath: values['commands-path'] }),
  bug: values.bug as SimBug,
});
const rate = (result.runs / result.seconds).toFixed(1);
console.log(
  `simulation: ${result.runs} seeded runs in ${result.seconds.toFixed(1)} s (${rate} runs/s), seed ${result.seed}, bug: ${values.bug}`,
);
console.log(
  `longest time from the end of faults to one agreed leader: ${result.maxConvergenceMs} ms (that run's bound: ${result.boundOfMaxMs} ms); closest any run came to its bound: ${result.minSlackMs} ms`,
);
console.log(
  `runs in which a leader resumed its own term after its deadline passed: ${result.runsWithResume}`,
);
console.log(
  `direct transfers (graceful stops and hand-backs in one write): ${result.transfers}, in ${result.runsWithTransfer} runs`,
);
console.log(
  `switchover after the faults (drain, undrain, drain again), checked in ${result.switchoverRuns} runs: slowest step ${result.maxSwitchoverMs} ms (that run's bound: ${result.switchoverBoundOfMaxMs} ms)`,
);
const scenarios = result.transferScenarios;
console.log(
  `runs with a transfer whose answer was lost: ${scenarios.lostAnswer} (committed all the same: ${scenarios.committedAnswerLost}); with its successor crashed mid-transfer: ${scenarios.successorCrashed}; with a join during a transfer: ${scenarios.joinDuringTransfer}`,
);
if (result.failed) {
  console.log(result.report);
  console.log(`replay: ${result.replay}`);
  process.exit(1);
}
console.log(
  'no violation: at most one leader at every instant, leaders hold the key with their term, terms increase, events alternate, leader tasks never overlap; one leader after every run, and every switchover within its bound',
);
