import type { Elector, Member } from '@election/core';
import { fetchJson } from './fetch-status.js';
import type { ElectionStatus } from './status.js';

/** The member metadata key under which a node publishes the URL of its `/status`. */
export const STATUS_URL_META = 'statusUrl';

/** One row of `GET /cluster`: a member in this node's view, or one that left it a while ago. */
export interface ClusterMember {
  readonly id: string;
  readonly priority: number;
  readonly observer: boolean;
  /** In this node's view now; false for a member that left it (see `goneSince`). */
  readonly present: boolean;
  /** Wall-clock ms when the member left this node's view; null while present. */
  readonly goneSince: number | null;
  /** What the member published as its status URL (member meta `statusUrl`), or null. */
  readonly statusUrl: string | null;
  /** Its own `/status`, fetched by this node (this node's own without a request); null if not fetched. */
  readonly status: ElectionStatus | null;
  /** Why there is no status: none published, unreachable, timed out, not JSON… */
  readonly error: string | null;
}

/** The body of `GET /cluster`. */
export interface ClusterView {
  /** The node that answered. */
  readonly self: string;
  /** Wall-clock ms when it answered. */
  readonly at: number;
  /** Present members in election order, then the gone ones, most recently gone first. */
  readonly members: readonly ClusterMember[];
}

export interface ClusterOptions {
  /** Each member's `/status` must answer within this, ms. */
  readonly timeoutMs: number;
  /** A member that left the view is listed as gone for this long, ms. */
  readonly goneForMs: number;
  /** This node's own status. */
  readonly status: () => ElectionStatus;
}

export interface Cluster {
  read(): Promise<ClusterView>;
  stop(): void;
}

const statusUrlOf = (member: Member) => member.meta?.[STATUS_URL_META] ?? null;

/** A member's row without its status; `goneSince` null while present. */
const rowOf = (member: Member, goneSince: number | null) => ({
  id: member.id,
  priority: member.priority ?? 0,
  observer: member.observer === true,
  present: goneSince === null,
  goneSince,
  statusUrl: statusUrlOf(member),
});

/**
 * Each member as `/cluster` lists it, with its own `/status` fetched from the URL it publishes in
 * its metadata, all in parallel, each within `timeoutMs`; `self` (this node's status) is used as
 * it is, without a request. For `election-node list` too, which has no node of its own.
 */
export function clusterMembers(
  members: readonly Member[],
  options: { readonly timeoutMs: number; readonly self?: ElectionStatus },
): Promise<ClusterMember[]> {
  const row = async (member: Member): Promise<ClusterMember> => {
    const base = rowOf(member, null);
    if (member.id === options.self?.id) return { ...base, status: options.self, error: null };
    if (base.statusUrl === null) return { ...base, status: null, error: 'publishes no status URL' };
    try {
      const status = (await fetchJson(base.statusUrl, options.timeoutMs)) as ElectionStatus;
      return { ...base, status, error: null };
    } catch (error) {
      return { ...base, status: null, error: error instanceof Error ? error.message : String(error) };
    }
  };
  return Promise.all(members.map(row));
}

/**
 * `GET /cluster`, like `patronictl list`: every member in this node's view, each with its own
 * `/status` fetched server side (so the page needs no CORS), in parallel with a short timeout, and
 * the members that left the view as "gone since …" for `goneForMs`. Concurrent requests share one
 * round of fetches.
 */
export function createCluster(elector: Elector, options: ClusterOptions): Cluster {
  const gone = new Map<string, { member: Member; since: number }>();
  let known = new Map(elector.state.members.map((member) => [member.id, member]));
  const stop = elector.subscribe((event, state) => {
    if (event.type !== 'members') return;
    const now = Date.now();
    const current = new Map(state.members.map((member) => [member.id, member]));
    // Observers come and go (`election-node list` joins as one for a second): not kept as gone.
    for (const [id, member] of known)
      if (!current.has(id) && !member.observer) gone.set(id, { member, since: now });
    for (const id of current.keys()) gone.delete(id);
    known = current;
  });

  let inFlight: Promise<ClusterView> | undefined;
  const read = async (): Promise<ClusterView> => {
    const self = options.status();
    const members = elector.state.members;
    const present = await clusterMembers(members, { timeoutMs: options.timeoutMs, self });
    const now = Date.now();
    for (const [id, entry] of gone) if (now - entry.since > options.goneForMs) gone.delete(id);
    const departed = [...gone.values()]
      .sort((a, b) => b.since - a.since)
      .map(({ member, since }): ClusterMember => ({ ...rowOf(member, since), status: null, error: null }));
    return { self: self.id, at: now, members: [...present, ...departed] };
  };
  return {
    stop,
    read() {
      inFlight ??= read().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
  };
}
