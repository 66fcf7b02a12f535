/**
 * Where an election lives in Consul's KV store:
 *   <prefix>/<election>/members/<id>   one key per live node, held by that node's session
 *   <prefix>/<election>/leader         the leader lock, held by the leader's session
 */
export interface KeyLayout {
  /** `<prefix>/<election>/`: one blocking query on it sees members and leader alike. */
  readonly base: string;
  readonly membersPrefix: string;
  readonly leaderKey: string;
  memberKey(id: string): string;
  /** The member id a key names, or undefined when the key is not directly under `members/`. */
  memberIdFromKey(key: string): string | undefined;
}

export function createKeyLayout(prefix: string, election: string): KeyLayout {
  const base = `${prefix}/${election}/`;
  const membersPrefix = `${base}members/`;
  return {
    base,
    membersPrefix,
    leaderKey: `${base}leader`,
    memberKey: (id) => `${membersPrefix}${id}`,
    memberIdFromKey(key) {
      if (!key.startsWith(membersPrefix)) return undefined;
      return key.slice(membersPrefix.length);
    },
  };
}
