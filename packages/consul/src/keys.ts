import { type KeyLayout, keyLayout as kitKeyLayout } from '@election/core/adapter';

export type { KeyLayout };

/**
 * Where an election lives in Consul's KV store:
 *   <prefix>/<election>/members/<encoded id>   one key per live node, held by that node's session
 *   <prefix>/<election>/leader                 the leader lock, held by the leader's session
 *
 * Member ids are encoded in key names: core accepts ids with spaces, ":", "@", Unicode, but Consul
 * rejects many of them in keys. Consul 1.21.5 (PR #22682) allows only `^[a-zA-Z0-9,_./\-?&=]+$` and
 * no "..". Its later `validateKVKey` (agent/kvs_endpoint.go) allows only `a-zA-Z0-9,-_./`, rejects
 * "../", a leading "/", and names ending in ".js", ".json", ".com" and other "suspicious"
 * extensions. So an encoded id uses only `A-Za-z0-9-`, which every version accepts; every other
 * UTF-8 byte (including "_" and ".") is written `_XX` (upper-case hex). The real id stays in the
 * value, and a key whose name does not decode to the value's id is reported as malformed.
 */
const LITERAL = /^[A-Za-z0-9-]$/;

/** `node 1` → `node_201`, `host:8080` → `host_3A8080`, `ü` → `_C3_BC`, `..` → `_2E_2E`. */
export function encodeKeySegment(id: string): string {
  let out = '';
  for (const char of id) {
    if (LITERAL.test(char)) {
      out += char;
      continue;
    }
    for (const byte of Buffer.from(char, 'utf8'))
      out += `_${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** The inverse of encodeKeySegment; undefined for anything it would not have produced. */
export function decodeKeySegment(segment: string): string | undefined {
  if (segment.length === 0) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < segment.length; ) {
    const char = segment.charAt(i);
    if (char === '_') {
      const hex = segment.slice(i + 1, i + 3);
      if (!/^[0-9A-F]{2}$/.test(hex)) return undefined;
      const byte = Number.parseInt(hex, 16);
      // Canonical only: a byte that could have been written as itself must not be escaped.
      if (byte < 0x80 && LITERAL.test(String.fromCharCode(byte))) return undefined;
      bytes.push(byte);
      i += 3;
      continue;
    }
    if (!LITERAL.test(char)) return undefined;
    bytes.push(char.charCodeAt(0));
    i += 1;
  }
  try {
    return decoder.decode(Uint8Array.from(bytes));
  } catch {
    return undefined;
  }
}

/** The kit's layout, member ids encoded as above. */
export function keyLayout(prefix: string, election: string): KeyLayout {
  return kitKeyLayout(prefix, election, { encode: encodeKeySegment, decode: decodeKeySegment });
}
