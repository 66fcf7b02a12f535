import { hostname } from 'node:os';
import { createElector, type ElectionState, type Member } from '@election/core';
import { type ClusterMember, clusterMembers } from '@election/http';
import { endpointOf, loadBackend, staticMembers } from './backend.js';
import type { NodeConfig } from './flags.js';
import { asUsageError, describeStartFailure } from './start-failure.js';

/** Each member's `/status` must answer within this. */
const STATUS_TIMEOUT_MS = 1000;
/** How long `list` waits to see who holds the leader lock, once joined. */
const HOLDER_WAIT_MS = 1000;

/** The id `list` joins with, as an observer: never elected, gone when it leaves. */
export const listerId = () =>
  `election-node-list-${hostname().replace(/[^A-Za-z0-9._-]/g, '-')}-${process.pid}`;

const seconds = (ms: number) => `${(Math.max(0, ms) / 1000).toFixed(1)} s`;

/**
 * A cell as text for a terminal: any value as a string, C0 and C1 control characters (escape
 * sequences that would move the cursor, clear the screen or set the title) each shown as "?".
 * What a member answers is whatever its URL's owner sends (validated as a status, but its strings
 * are its own).
 */
export function cell(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

/** The rows as text columns, padded: like `patronictl list`. */
export function formatTable(
  rows: readonly ClusterMember[],
  view: Pick<ElectionState, 'leaderId' | 'term'>,
): string {
  const header = ['Member', 'Role', 'Term', 'Lease left', 'Why'];
  const lines = rows.map((row) => {
    const status = row.status;
    const role = status
      ? status.isLeader
        ? 'leader'
        : status.phase
      : row.id === view.leaderId
        ? 'leader (backend)'
        : row.observer
          ? 'observer'
          : 'member';
    const term = status?.term ?? (row.id === view.leaderId && view.term !== null ? String(view.term) : '');
    const lease = status?.leaseRemainingMs == null ? '' : seconds(status.leaseRemainingMs);
    const why = status ? status.reasonText : `No status: ${row.error}.`;
    return [row.id, role, term, lease, why].map(cell);
  });
  const widths = header.map((title, i) =>
    Math.max(title.length, ...lines.map((line) => (line[i] ?? '').length)),
  );
  const format = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join(' | ')
      .trimEnd();
  return [format(header), widths.map((w) => '-'.repeat(w)).join('-+-'), ...lines.map(format)].join('\n');
}

/** Waits (at most `ms`) until the view has a leader; a lock holder comes by watch after the join. */
function leaderSeen(elector: ReturnType<typeof createElector>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    if (elector.state.leaderId !== null) return resolve();
    const timer = setTimeout(done, ms);
    const stop = elector.subscribe((_event, state) => {
      if (state.leaderId !== null) done();
    });
    function done() {
      clearTimeout(timer);
      stop();
      resolve();
    }
  });
}

/**
 * `election-node list`: the members of an election as the backend has them, each with its own
 * status, without a running node. On etcd and Consul it joins as a short-lived observer (never
 * elected) to read the members and the lock holder, and leaves; on static it asks the peers.
 */
export async function listElection(config: NodeConfig): Promise<string> {
  if (config.backend === 'static') {
    const members: Member[] = staticMembers(config, '').filter((member) => member.url !== '');
    const rows = await clusterMembers(members, { timeoutMs: STATUS_TIMEOUT_MS });
    const leader = rows.find((row) => row.status?.isLeader)?.id ?? null;
    return `Election on ${members.length} static peers: leader ${leader ?? 'none'}\n${formatTable(rows, { leaderId: leader, term: null })}\n`;
  }
  const openBackend = await loadBackend(config);
  let backend: ReturnType<typeof openBackend>;
  let elector: ReturnType<typeof createElector>;
  const startTimeoutSeconds = config.startTimeoutSeconds ?? 5;
  try {
    backend = openBackend('');
  } catch (error) {
    throw asUsageError(error);
  }
  try {
    elector = createElector({
      id: config.id,
      membership: backend,
      observer: true,
      startTimeoutMs: Math.round(startTimeoutSeconds * 1000),
    });
  } catch (error) {
    await backend.close().catch(() => {});
    throw asUsageError(error);
  }
  try {
    // The node's own words for a failed start (--start-timeout in seconds, where the backend is).
    await elector.start().catch((error: unknown) => {
      const failure = asUsageError(error);
      if (failure !== error) throw failure;
      const context = { backend: backend.name, endpoint: endpointOf(config, backend), startTimeoutSeconds };
      throw new Error(describeStartFailure(error, context), { cause: error });
    });
    await leaderSeen(elector, HOLDER_WAIT_MS);
    const state = elector.state;
    const members = state.members.filter((member) => member.id !== config.id);
    const rows = await clusterMembers(members, { timeoutMs: STATUS_TIMEOUT_MS });
    const where = `${backend.name} at ${endpointOf(config, backend)}`;
    const leader =
      state.leaderId === null
        ? 'none'
        : `${state.leaderId}${state.term === null ? '' : `, term ${state.term}`}`;
    return `Election "${config.election}" on ${where}: leader ${leader}\n${formatTable(rows, state)}\n`;
  } finally {
    await elector.stop({ resign: true });
    await backend.close();
  }
}
