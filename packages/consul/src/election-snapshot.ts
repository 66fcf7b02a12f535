import { MalformedEntryError, type Member } from '@election/core/adapter';
import type { KeyLayout } from './keys.js';
import type { KvEntry } from './kv-entry.js';
import { decodeHolder, decodeMember } from './member-codec.js';
import { SOURCE } from './source.js';

export interface LeaderHolding {
  readonly id: string;
  /** The leader key's ModifyIndex: the fencing token of this holding. */
  readonly token: bigint;
  readonly session: string;
  /** The holder's lock-delay as its value states it (ms); undefined when the value does not say. */
  readonly lockDelayMs: number | undefined;
  /** The value says a direct transfer wrote it (the holder did not ask for it). */
  readonly handed?: boolean;
}

/** What one read of `<prefix>/<election>/` says about the election. */
export interface ElectionSnapshot {
  /** Members whose key is held by a live session, in key order. */
  readonly members: readonly Member[];
  /** Session holding each member key, by member id (the feed's owners). */
  readonly owners: ReadonlyMap<string, string>;
  /** The leader key's holding (named apart from a feed snapshot's holder: it goes through lock-delay.ts). */
  readonly holding: LeaderHolding | null;
  /** Entries that were skipped, with the reason. */
  readonly malformed: ReadonlyArray<{ readonly entry: KvEntry; readonly error: MalformedEntryError }>;
}

export function readSnapshot(layout: KeyLayout, entries: readonly KvEntry[]): ElectionSnapshot {
  const members: Member[] = [];
  const owners = new Map<string, string>();
  const malformed: Array<{ entry: KvEntry; error: MalformedEntryError }> = [];
  let holding: LeaderHolding | null = null;
  for (const entry of [...entries].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
    if (entry.key === layout.leaderKey) {
      // An unlocked leader key (released, or written by hand) means nobody leads.
      if (entry.session === undefined) continue;
      const decoded = decodeHolder(entry.key, entry.value);
      if (decoded instanceof MalformedEntryError) malformed.push({ entry, error: decoded });
      else holding = { ...decoded, token: entry.modifyIndex, session: entry.session };
      continue;
    }
    if (!entry.key.startsWith(layout.membersPrefix)) continue;
    const idFromKey = layout.memberIdOf(entry.key);
    if (idFromKey === undefined) {
      const reason = `skipping ${entry.key}: the name after members/ is not an encoded member id (ids are written with A-Za-z0-9- and _XX escapes).`;
      malformed.push({ entry, error: new MalformedEntryError(entry.key, reason, { source: SOURCE }) });
      continue;
    }
    const member = decodeMember(entry.key, idFromKey, entry.value);
    if (member instanceof MalformedEntryError) {
      malformed.push({ entry, error: member });
      continue;
    }
    if (entry.session === undefined) {
      // Sessions here use behavior "delete", so an unlocked member key outlived its owner: not live.
      const reason = `skipping ${entry.key}: no session holds it, so it is not a live registration.`;
      malformed.push({ entry, error: new MalformedEntryError(entry.key, reason, { source: SOURCE }) });
      continue;
    }
    members.push(member);
    owners.set(member.id, entry.session);
  }
  return { members, owners, holding, malformed };
}
