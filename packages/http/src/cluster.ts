import type { Elector, Member } from '@election/core';
import { fetchJson } from './fetch-status.js';
import type { ElectionStatus } from './status.js';
import { NOT_A_STATUS, statusOf } from './status-shape.js';
import { type ClusterAllow, refusal, shownStatusUrl } from './status-url.js';

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
  /**
   * What the member published as its status URL (member meta `statusUrl`), without `user:pass@`
   * and with secret-looking parts masked; or null.
   */
  readonly statusUrl: string | null;
  /** Its own `/status`, fetched by this node (this node's own without a request); null if not fetched. */
  readonly status: ElectionStatus | null;
  /**
   * Why there is no status: none published, refused (not http(s), not ending in /status, a
   * metadata address), unreachable, timed out, not a status, the status of another member…
   */
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
  /** Overrides which status URLs are fetched (see `ClusterAllow`). */
  readonly allow?: ClusterAllow;
}

export interface Cluster {
  read(): Promise<ClusterView>;
  stop(): void;
}

/** Status URLs fetched at once by one round, at most (one request must not open a connection per member). */
export const CLUSTER_CONCURRENCY = 8;
/** A completed round is answered again for this long, ms (every open page polls `/cluster`). */
export const CLUSTER_CACHE_MS = 1000;
/** Members kept as gone, at most (the oldest is dropped first). */
export const MAX_GONE = 100;

const statusUrlOf = (member: Member) => member.meta?.[STATUS_URL_META] ?? null;

/** A member's row without its status; `goneSince` null while present. */
const rowOf = (member: Member, goneSince: number | null) => ({
  id: member.id,
  priority: member.priority ?? 0,
  observer: member.observer === true,
  present: goneSince === null,
  goneSince,
  statusUrl: shownStatusUrl(statusUrlOf(member)),
});

/** `task` over every item, at most `limit` at once, results in the items' order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>) {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await task(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** A member's own status from its published URL; throws an Error whose message is the row's. */
async function fetchStatus(
  member: Member,
  url: string,
  timeoutMs: number,
  allow: ClusterAllow | undefined,
): Promise<ElectionStatus> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('its status URL is not a URL');
  }
  const refused = refusal(parsed, allow);
  if (refused !== null) throw new Error(refused);
  const status = statusOf(await fetchJson(parsed, timeoutMs, { refuseMetadata: allow === undefined }));
  if (status === undefined) throw new Error(NOT_A_STATUS);
  if (status.id !== member.id) throw new Error('answered the status of another member');
  return status;
}

/**
 * Each member as `/cluster` lists it, with its own `/status` fetched from the URL it publishes in
 * its metadata, `CLUSTER_CONCURRENCY` at a time, each within `timeoutMs`; `self` (this node's
 * status) is used as it is, without a request. For `election-node list` too, which has no node of
 * its own. A URL is fetched only if it is http(s), its path ends in `/status` and (unless `allow`
 * says otherwise) it is not a link-local or metadata address; an answer is taken only if it has the
 * shape of a status (copied field by field, nothing else passed on) and names the member itself.
 */
export function clusterMembers(
  members: readonly Member[],
  options: {
    readonly timeoutMs: number;
    readonly self?: ElectionStatus;
    readonly allow?: ClusterAllow;
  },
): Promise<ClusterMember[]> {
  const row = async (member: Member): Promise<ClusterMember> => {
    const base = rowOf(member, null);
    if (member.id === options.self?.id) return { ...base, status: options.self, error: null };
    const url = statusUrlOf(member);
    if (url === null) return { ...base, status: null, error: 'publishes no status URL' };
    try {
      return {
        ...base,
        status: await fetchStatus(member, url, options.timeoutMs, options.allow),
        error: null,
      };
    } catch (error) {
      return { ...base, status: null, error: error instanceof Error ? error.message : String(error) };
    }
  };
  return mapLimited(members, CLUSTER_CONCURRENCY, row);
}

/**
 * `GET /cluster`, like `patronictl list`: every member in this node's view, each with its own
 * `/status` fetched server side (so the page needs no CORS), in parallel with a short timeout, and
 * the members that left the view as "gone since …" for `goneForMs` (at most `MAX_GONE` of them).
 * Concurrent requests share one round of fetches, and a completed round is answered again for
 * `CLUSTER_CACHE_MS` unless the members changed, so many open pages ask each peer about once a second at most.
 */
export function createCluster(elector: Elector, options: ClusterOptions): Cluster {
  const gone = new Map<string, { member: Member; since: number }>();
  let known = new Map(elector.state.members.map((member) => [member.id, member]));
  let inFlight: Promise<ClusterView> | undefined;
  /** The last completed round, answered again for CLUSTER_CACHE_MS while the members stay the same. */
  let last: { readonly view: ClusterView; readonly at: number } | undefined;
  const stop = elector.subscribe((event, state) => {
    if (event.type !== 'members') return;
    last = undefined;
    const now = Date.now();
    const current = new Map(state.members.map((member) => [member.id, member]));
    // Observers come and go (`election-node list` joins as one for a second): not kept as gone.
    for (const [id, member] of known)
      if (!current.has(id) && !member.observer) gone.set(id, { member, since: now });
    for (const id of current.keys()) gone.delete(id);
    // Bounded without a timer: expired entries go here and on each read, the oldest beyond MAX_GONE too.
    for (const [id, entry] of gone) if (now - entry.since > options.goneForMs) gone.delete(id);
    for (const id of gone.keys()) if (gone.size > MAX_GONE) gone.delete(id);
    known = current;
  });

  const read = async (): Promise<ClusterView> => {
    const self = options.status();
    const members = elector.state.members;
    const present = await clusterMembers(members, {
      timeoutMs: options.timeoutMs,
      self,
      ...(options.allow ? { allow: options.allow } : {}),
    });
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
      if (last !== undefined && performance.now() - last.at < CLUSTER_CACHE_MS) {
        return Promise.resolve(last.view);
      }
      inFlight ??= read()
        .then((view) => {
          last = { view, at: performance.now() };
          return view;
        })
        .finally(() => {
          inFlight = undefined;
        });
      return inFlight;
    },
  };
}
