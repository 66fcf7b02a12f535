import { DuplicateMemberError } from '../errors.js';

/** What a DuplicateMemberError says in the adapter's own words; the rest is the same everywhere. */
export interface DuplicateMember {
  /** The adapter's error source (`@election/etcd`). */
  readonly source: string;
  readonly id: string;
  /** Where the id is registered, in the backend's words: `election "e" (key election/e/members/a)`. */
  readonly where?: string;
  /** What shows the holder is alive: `its lease 7 was renewed while this node waited for it to expire`. */
  readonly evidence: string;
}

/**
 * The error of a join whose id a live node holds (the holder was renewed, or this very process
 * renews it), with the remedies every adapter offers: another id, stopping the other process, or
 * `takeover` where an orchestrator guarantees one process per id.
 */
export function duplicateMember({ source, id, where, evidence }: DuplicateMember): DuplicateMemberError {
  const place = where === undefined ? '' : ` in ${where}`;
  return new DuplicateMemberError(
    id,
    `Member id "${id}" is already registered${place} by another live node (${evidence}). ` +
      'Give each node a unique id, or stop the other process. If an orchestrator guarantees one ' +
      'process per id (a StatefulSet), the elector option takeover: true replaces the previous ' +
      'registration at once.',
    { source },
  );
}
