import { FAILOVER_TTL_SECONDS } from '../failover/measure-subject.js';
import { etcd3Subject, librarySubject } from '../failover/subjects.js';
import { fmt } from '../util/stats.js';
import type { BenchResults } from './results.js';
import { CRASH_CEILING_MS } from './rows-failover.js';

/** Explanations for targets this run missed, built from the run's own figures. */
export function missedTargetNotes(results: BenchResults): string[] {
  const notes: string[] = [];
  const rows = results.failover?.rows ?? [];
  const find = (subject: string, fault: string) =>
    rows.find((row) => row.subject === subject && row.fault === fault);
  const crash = find(librarySubject.label, 'crash');
  const etcd3Crash = find(etcd3Subject.label, 'crash');
  if (crash !== undefined && crash.elected.max > CRASH_CEILING_MS) {
    notes.push(
      `- **Crash maximum above TTL + 250 ms.** After a crash the new leader can only take over once etcd ` +
        `deletes the dead node's lease-bound keys. etcd 3.4 looks for expired leases every 500 ms, so with ` +
        `renewals every TTL/3 the keys go between ${fmt((FAILOVER_TTL_SECONDS * 2000) / 3, 0)} ms and about ` +
        `TTL + 500 ms after the crash, whoever the client is: the etcd3 recipe's maximum in the same run was ` +
        `${fmt(etcd3Crash?.elected.max ?? Number.NaN, 0)} ms against this library's ${fmt(crash.elected.max, 0)} ms.`,
    );
  }
  const graceful = find(librarySubject.label, 'graceful');
  if (graceful !== undefined && graceful.elected.median >= 15) {
    const writes = 2 * graceful.writeRoundTripMs;
    notes.push(
      `- **Graceful handover median ${fmt(graceful.elected.median)} ms (target 15 ms).** The handover is two ` +
        `etcd writes in sequence (the leaver's lease revoke, the successor's lock transaction) with one watch ` +
        `notification between them. In this run signal delivery took ${fmt(graceful.toStopHandler.median)} ms ` +
        `and a plain put ${fmt(graceful.writeRoundTripMs)} ms, so the two writes account for about ` +
        `${fmt(writes)} ms; the other ${fmt(graceful.elected.median - writes - graceful.toStopHandler.median)} ms ` +
        `go to the watch delivery, the adapter, the etcd3 client and the node processes.`,
    );
  }
  return notes;
}
