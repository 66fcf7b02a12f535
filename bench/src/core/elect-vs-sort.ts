import { elect, type Member } from '@election/core';
import { elapsedMicros, hrNow } from '../util/clock.js';
import { forceGc } from '../util/force-gc.js';
import { median } from '../util/stats.js';
import { makeMembers } from './members.js';
import { seedElect } from './seed-elect.js';

export interface ElectVsSortRow {
  readonly members: number;
  readonly rounds: number;
  /** Median µs per call. */
  readonly electMicros: number;
  readonly sortMicros: number;
  /** sort / elect. */
  readonly ratio: number;
}

/**
 * `elect` and the seed's sort-then-first on the same members, in interleaved rounds (elect, sort,
 * elect, sort…) so that drift in CPU frequency hits both alike, with a full GC before each sample so
 * neither pays for the other's garbage. Small inputs repeat each call enough times per sample to
 * rise well above the timer's resolution.
 */
export function benchElectVsSort(size: number, rounds: number): ElectVsSortRow {
  const members = makeMembers(size);
  const repeat = Math.max(1, Math.floor(200_000 / size));
  const electSamples: number[] = [];
  const sortSamples: number[] = [];
  let sink = 0;
  const time = (fn: (list: readonly Member[]) => Member | undefined): number => {
    forceGc();
    const start = hrNow();
    for (let i = 0; i < repeat; i++) sink += fn(members)?.id.length ?? 0;
    return elapsedMicros(start, hrNow()) / repeat;
  };
  warmUp();
  const expected = seedElect(members)?.id;
  if (elect(members)?.id !== expected) throw new Error(`elect and the seed disagree at ${size} members`);
  for (let round = 0; round < rounds; round++) {
    electSamples.push(time(elect));
    sortSamples.push(time(seedElect));
  }
  if (sink === 0) throw new Error('unreachable: keeps the calls from being optimised away');
  const electMicros = median(electSamples);
  const sortMicros = median(sortSamples);
  return { members: size, rounds, electMicros, sortMicros, ratio: sortMicros / electMicros };
}

/** Untimed calls on a small list, so both functions are optimised before the first sample. */
function warmUp(): void {
  const small = makeMembers(1000, 3);
  for (let i = 0; i < 50; i++) {
    if (elect(small)?.id !== seedElect(small)?.id) throw new Error('elect and the seed disagree');
  }
}
