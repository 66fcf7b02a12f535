import type { CoreResults } from '../core/run-core.js';
import { fmt } from '../util/stats.js';
import type { TableRow } from './results.js';

const pass = (ok: boolean) => (ok ? 'PASS' : 'FAIL');

export function coreRows(core: CoreResults): TableRow[] {
  const rows: TableRow[] = core.electVsSort.map((row) => ({
    part: 'core',
    measure: `elect vs seed sort-then-first, ${row.members.toLocaleString('en-US')} members (median of ${row.rounds} interleaved rounds)`,
    result: `elect ${fmt(row.electMicros)} µs · sort ${fmt(row.sortMicros)} µs · **${fmt(row.ratio)}×**`,
    target: row.members === 100_000 ? '≥ 20×' : '',
    verdict: row.members === 100_000 ? pass(row.ratio >= 20) : '',
  }));
  for (const row of core.changeCost) {
    rows.push({
      part: 'core',
      measure: `elector cost per membership change, ${row.members.toLocaleString('en-US')} members, ${row.subscribed ? 'one event subscriber' : 'no subscriber'} (${row.events} put/delete events)`,
      result: `median ${fmt(row.medianMicros)} µs · p99 ${fmt(row.p99Micros)} µs`,
      target: '< 50 µs',
      verdict: pass(row.medianMicros < 50),
    });
  }
  return rows;
}
