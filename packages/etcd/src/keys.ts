import { type KeyLayout, type Member, memberCodec } from '@election/core/adapter';
import { SOURCE } from './source.js';

/**
 * The key layout (the kit's keyLayout, ids verbatim), one election per `<prefix>/<election>/`:
 *   <prefix>/<election>/members/<id>  JSON {id, priority, observer, meta}, bound to the node's lease
 *   <prefix>/<election>/leader        the leader's id, bound to the leader's lease
 */
export { type KeyLayout, keyLayout } from '@election/core/adapter';

/** `prefix` → [prefix, end) for an etcd range over every key that starts with it. */
export function prefixRange(prefix: string): { key: Buffer; range_end: Buffer } {
  const key = Buffer.from(prefix);
  const end = Buffer.from(key);
  // Increment the last byte that is not 0xff, dropping the ones after it (etcd's clientv3.GetPrefixRangeEnd).
  for (let i = end.length - 1; i >= 0; i--) {
    if ((end[i] ?? 0) < 0xff) {
      end[i] = (end[i] ?? 0) + 1;
      return { key, range_end: end.subarray(0, i + 1) };
    }
  }
  return { key, range_end: Buffer.from([0]) };
}

/** What one key under the election's root is. */
export type ParsedEntry =
  | { readonly kind: 'member'; readonly member: Member }
  | { readonly kind: 'leader'; readonly id: string }
  | { readonly kind: 'malformed'; readonly reason: string };

/** The JSON a member key holds: always all four fields, so `etcdctl get` shows the whole registration. */
const members = memberCodec({
  source: SOURCE,
  form: 'full',
  nulls: 'absent',
  reasons: {
    notJson: 'the value is not JSON',
    notObject: 'the value is not a JSON object',
    idMismatch: (stored) => `the id in the value (${JSON.stringify(stored)}) does not match the key`,
  },
});

export const encodeMember = members.encode;

function parseMember(id: string, value: string): ParsedEntry {
  const decoded = members.decode(value, id);
  return 'member' in decoded ? { kind: 'member', ...decoded } : { kind: 'malformed', reason: decoded.reason };
}

/** Classifies a key under `layout.root` and decodes its value; never throws. */
export function parseEntry(layout: KeyLayout, key: string, value: string): ParsedEntry {
  if (key === layout.leaderKey) {
    return value.length > 0
      ? { kind: 'leader', id: value }
      : { kind: 'malformed', reason: 'the leader id is empty' };
  }
  if (key.startsWith(layout.membersPrefix)) {
    const id = layout.memberIdOf(key);
    if (id === undefined) {
      return { kind: 'malformed', reason: 'a member key must be <root>/members/<id> with no further "/"' };
    }
    return parseMember(id, value);
  }
  return { kind: 'malformed', reason: 'unexpected key under the election prefix' };
}
