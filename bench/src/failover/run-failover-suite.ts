import type { LoadRow } from '../load/measure-load.js';
import { type FailoverRow, measureSubject } from './measure-subject.js';
import { measureRanked, type RankedFault, type RankedRow } from './run-ranked.js';
import { etcd3Subject, librarySubject, postgresSubject, seedSubject } from './subjects.js';

export interface FailoverResults {
  readonly rows: readonly FailoverRow[];
  /** This library's ranked handovers: hand-back after a better-ranked member joins, switchover. */
  readonly ranked: readonly RankedRow[];
  readonly load: readonly LoadRow[];
  /** Subject and fault runs that failed, with why; the others still count. */
  readonly errors: readonly string[];
}

export interface FailoverSuite {
  /** The millisecond-scale runs, done while nothing else runs: graceful handovers and etcd3 resign. */
  quiet(): Promise<void>;
  /** Crash runs (second-scale, after a TTL) in the foreground, the seed's runs in the background. */
  loud(): Promise<void>;
  /** Waits for the background seed runs; then every row is in. */
  results(): Promise<FailoverResults>;
}

/**
 * The failover and load comparison. Each subject and fault gets its own etcd (PostgreSQL for
 * @election/postgres), so the load counters of one never include another's traffic. The seed's rounds wait out its 5 s poll, so they run in the
 * background while the crash runs and the scale run go on; their results are seconds, not ms.
 */
export function createFailoverSuite(
  options: { readonly rounds: number; readonly loadWindowMs: number },
  log: (line: string) => void,
): FailoverSuite {
  const rows: FailoverRow[] = [];
  const ranked: RankedRow[] = [];
  const load: LoadRow[] = [];
  const errors: string[] = [];
  let seed: Promise<void> = Promise.resolve();
  const run = async (subject: typeof librarySubject, fault: 'graceful' | 'crash', withLoad: boolean) => {
    let result: Awaited<ReturnType<typeof measureSubject>>;
    log(`failover: ${subject.label} ${fault}: ${options.rounds} rounds…`);
    try {
      result = await measureSubject(subject, fault, {
        rounds: options.rounds,
        ...(withLoad ? { loadWindowMs: options.loadWindowMs } : {}),
      });
    } catch (error) {
      const message = `${subject.label} ${fault}: ${error instanceof Error ? error.message : String(error)}`;
      errors.push(message);
      log(`failover: FAILED ${message}`);
      return;
    }
    rows.push(result.failover);
    if (result.load) load.push(result.load);
    log(
      `failover: ${subject.label} ${fault}: median ${Math.round(result.failover.elected.median)} ms over ${result.failover.elected.count} rounds`,
    );
  };
  const runRanked = async (fault: RankedFault) => {
    log(`failover: ${librarySubject.label} ${fault}: ${options.rounds} rounds…`);
    try {
      const row = await measureRanked(librarySubject, fault, options.rounds);
      ranked.push(row);
      log(`failover: ${librarySubject.label} ${fault}: median ${Math.round(row.elected.median)} ms`);
    } catch (error) {
      const message = `${librarySubject.label} ${fault}: ${error instanceof Error ? error.message : String(error)}`;
      errors.push(message);
      log(`failover: FAILED ${message}`);
    }
  };
  return {
    async quiet() {
      await run(librarySubject, 'graceful', false);
      await run(etcd3Subject, 'graceful', false);
      await run(postgresSubject, 'graceful', false);
      await runRanked('handback');
      await runRanked('switchover');
    },
    async loud() {
      seed = Promise.all([run(seedSubject, 'crash', true), run(seedSubject, 'graceful', false)]).then(
        () => {},
      );
      // Awaited in results(); this branch only keeps a failure from counting as unhandled meanwhile.
      seed.catch(() => {});
      await run(librarySubject, 'crash', true);
      await run(etcd3Subject, 'crash', true);
      await run(postgresSubject, 'crash', true);
    },
    async results() {
      await seed;
      return { rows, ranked, load, errors };
    },
  };
}
