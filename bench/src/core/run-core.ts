import { benchChangeCost, type ChangeCostRow } from './change-cost.js';
import { benchElectVsSort, type ElectVsSortRow } from './elect-vs-sort.js';

export interface CoreResults {
  readonly electVsSort: readonly ElectVsSortRow[];
  readonly changeCost: readonly ChangeCostRow[];
}

/** Rounds per size: enough samples for a stable median, few enough that 1M stays under a minute. */
const SIZES: ReadonlyArray<readonly [number, number]> = [
  [1_000, 31],
  [100_000, 15],
  [1_000_000, 3],
];

export async function runCore(log: (line: string) => void): Promise<CoreResults> {
  const electVsSort: ElectVsSortRow[] = [];
  for (const [size, rounds] of SIZES) {
    const row = benchElectVsSort(size, rounds);
    log(
      `core: ${size} members: elect ${row.electMicros.toFixed(1)} µs, sort ${row.sortMicros.toFixed(1)} µs (${row.ratio.toFixed(1)}×)`,
    );
    electVsSort.push(row);
  }
  const changeCost: ChangeCostRow[] = [];
  for (const subscribed of [false, true]) {
    // With a subscriber a change has been seen to cost a full sort of the view, so bound that run by time.
    const row = await benchChangeCost(100_000, {
      events: 2000,
      subscribed,
      maxMillis: subscribed ? 5000 : 60_000,
    });
    log(
      `core: change at 100k (${subscribed ? 'one subscriber' : 'no subscriber'}): median ${row.medianMicros.toFixed(1)} µs over ${row.events} events`,
    );
    changeCost.push(row);
  }
  return { electVsSort, changeCost };
}
