import { FAILOVER_TTL_SECONDS, type FailoverRow } from '../failover/measure-subject.js';
import type { FailoverResults } from '../failover/run-failover-suite.js';
import { etcd3Subject, librarySubject, postgresSubject } from '../failover/subjects.js';
import { fmt } from '../util/stats.js';
import type { TableRow } from './results.js';
import { judgePostgres, postgresComparisonRows, postgresLoadRow } from './rows-postgres.js';

export const CRASH_CEILING_MS = FAILOVER_TTL_SECONDS * 1000 + 250;
/** The graceful handover goal: this library's median under 15 ms and at least 4× etcd3's, same run. */
export const GRACEFUL_GOAL_MS = 15;
export const GRACEFUL_MIN_RATIO = 4;

/** etcd3's graceful median over this library's, from the same run; undefined if either is missing. */
export function gracefulRatio(
  failover: FailoverResults,
): { library: number; etcd3: number; ratio: number } | undefined {
  const median = (subject: string) =>
    failover.rows.find((row) => row.subject === subject && row.fault === 'graceful')?.elected.median;
  const library = median(librarySubject.label);
  const etcd3 = median(etcd3Subject.label);
  if (library === undefined || etcd3 === undefined) return undefined;
  return { library, etcd3, ratio: etcd3 / library };
}

const FAULT_NAMES: Record<string, Record<string, string>> = {
  [librarySubject.label]: { graceful: 'graceful stop (resign)', crash: 'crash (SIGKILL)' },
  [etcd3Subject.label]: { graceful: 'resign()', crash: 'crash (SIGKILL)' },
  [postgresSubject.label]: { graceful: 'graceful stop (resign)', crash: 'crash (SIGKILL)' },
};

/** The store's own write latency under a row: the floor under its handovers. */
function storeFigures(row: FailoverRow): string {
  return row.backend === 'postgres'
    ? `PostgreSQL commit round trip ${fmt(row.writeRoundTripMs)} ms, WAL flushed at each commit`
    : `etcd put round trip ${fmt(row.writeRoundTripMs)} ms, WAL fsync mean ${fmt(row.walFsyncMeanMs)} ms`;
}

export function failoverRows(failover: FailoverResults): TableRow[] {
  const find = (subject: string, fault: string) =>
    failover.rows.find((row) => row.subject === subject && row.fault === fault);
  const etcd3Crash = find(etcd3Subject.label, 'crash');
  const ratio = gracefulRatio(failover);
  const rows: TableRow[] = [];
  for (const row of failover.rows) {
    const { target, verdict } = judge(row, etcd3Crash, ratio?.ratio);
    const fault =
      FAULT_NAMES[row.subject]?.[row.fault] ??
      (row.fault === 'graceful' ? 'SIGTERM (lease revoked)' : 'crash (SIGKILL)');
    rows.push({
      part: 'failover',
      measure: `${row.subject}: ${fault}, 3 nodes, TTL ${FAILOVER_TTL_SECONDS} s, ${row.elected.count} rounds`,
      result: `new leader: median **${fmt(row.elected.median)} ms** · p99 ${fmt(row.elected.p99)} ms; all know: median ${fmt(row.allKnow.median)} · p99 ${fmt(row.allKnow.p99)} ms (${row.fault === 'graceful' ? `SIGTERM → stop handler median ${fmt(row.toStopHandler.median)} ms; ` : ''}${storeFigures(row)})`,
      target,
      verdict,
    });
  }
  rows.push(...postgresComparisonRows(failover));
  for (const row of failover.ranked) {
    const what =
      row.fault === 'handback'
        ? 'hand-back after a better-ranked member joins (old leader demoted → new leader elected)'
        : 'switchover by priority (SIGUSR2: the leader lowers its own rank with setPriority → successor elected)';
    rows.push({
      part: 'failover',
      measure: `${row.subject}: ${what}, 3 nodes, TTL ${FAILOVER_TTL_SECONDS} s, ${row.elected.count} rounds`,
      result: `median **${fmt(row.elected.median)} ms** · p99 ${fmt(row.elected.p99)} ms · max ${fmt(row.elected.max)} ms`,
      target: `median < ${GRACEFUL_GOAL_MS} ms`,
      verdict: row.elected.median < GRACEFUL_GOAL_MS ? 'PASS' : 'FAIL',
    });
  }
  for (const load of failover.load) {
    if (load.label === postgresSubject.label) {
      rows.push(postgresLoadRow(load));
      continue;
    }
    const entries = [...load.perNodePerMinute].sort((a, b) => b[1] - a[1]);
    const total = entries.reduce((sum, [, count]) => sum + count, 0);
    const onlyKeepalives = entries.every(([method]) => method === 'Lease/LeaseKeepAlive');
    const isLibrary = load.label === librarySubject.label;
    rows.push({
      part: 'load',
      measure: `${load.label}: steady state, gRPC messages etcd received per node per minute (${Math.round(load.windowMs / 1000)} s window, ${load.nodes} nodes)`,
      result: `${fmt(total)} total: ${entries.map(([method, count]) => `${method} ${fmt(count)}`).join(' · ') || 'none'}`,
      target: isLibrary ? 'only lease keepalives' : '',
      verdict: isLibrary ? (onlyKeepalives ? 'PASS' : 'FAIL') : '',
    });
  }
  return rows;
}

function judge(
  row: FailoverRow,
  etcd3Crash: FailoverRow | undefined,
  gracefulVsEtcd3: number | undefined,
): { target: string; verdict: string } {
  if (row.subject === postgresSubject.label) return judgePostgres(row, GRACEFUL_GOAL_MS, CRASH_CEILING_MS);
  if (row.subject !== librarySubject.label) return { target: 'baseline', verdict: '' };
  if (row.fault === 'graceful') {
    const fast = row.elected.median < GRACEFUL_GOAL_MS;
    const ahead = gracefulVsEtcd3 !== undefined && gracefulVsEtcd3 >= GRACEFUL_MIN_RATIO;
    const failed = [fast ? '' : 'median', ahead ? '' : `ratio ${fmt(gracefulVsEtcd3 ?? Number.NaN)}×`];
    return {
      target: `median < ${GRACEFUL_GOAL_MS} ms and ≥ ${GRACEFUL_MIN_RATIO}× etcd3 resign() in the same run`,
      verdict: fast && ahead ? 'PASS' : `FAIL (${failed.filter(Boolean).join(', ')})`,
    };
  }
  const notWorse = etcd3Crash === undefined || row.elected.median <= etcd3Crash.elected.median;
  const bounded = row.elected.max <= CRASH_CEILING_MS;
  return {
    target: `median ≤ etcd3 crash median; max ≤ TTL + 250 ms (${CRASH_CEILING_MS} ms)`,
    verdict:
      notWorse && bounded
        ? 'PASS'
        : `FAIL (${[notWorse ? '' : 'median', bounded ? '' : 'max'].filter(Boolean).join(', ')})`,
  };
}
