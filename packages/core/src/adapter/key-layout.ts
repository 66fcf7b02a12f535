/**
 * Optional, for key/value backends (etcd, Consul): one election's keys under `<prefix>/<election>/`,
 *   <prefix>/<election>/members/<id>   one key per registered node
 *   <prefix>/<election>/leader         the leader lock
 * A backend that keeps members as rows (PostgreSQL) has no use for it.
 */
export interface KeyLayout {
  /** Everything of this election, with a trailing slash so `default2/` is not included. */
  readonly root: string;
  readonly membersPrefix: string;
  readonly leaderKey: string;
  memberKey(id: string): string;
  /** The member id a key names, or undefined when the key is not a well-formed member key. */
  memberIdOf(key: string): string | undefined;
}

/** How a member id is written in a key's last segment, and read back (undefined: not a member key). */
export interface KeySegmentCodec {
  encode(id: string): string;
  decode(segment: string): string | undefined;
}

/** The id as it is; a segment that is empty or holds a "/" names no member. */
const VERBATIM: KeySegmentCodec = {
  encode: (id) => id,
  decode: (segment) => (segment.length > 0 && !segment.includes('/') ? segment : undefined),
};

export function keyLayout(prefix: string, election: string, ids: KeySegmentCodec = VERBATIM): KeyLayout {
  const root = `${prefix}/${election}/`;
  const membersPrefix = `${root}members/`;
  return {
    root,
    membersPrefix,
    leaderKey: `${root}leader`,
    memberKey: (id) => `${membersPrefix}${ids.encode(id)}`,
    memberIdOf: (key) =>
      key.startsWith(membersPrefix) ? ids.decode(key.slice(membersPrefix.length)) : undefined,
  };
}
