import { type MalformedEntryError, type Member, memberCodec } from '@election/core/adapter';
import { SOURCE } from './source.js';

/** The value stored under a member key: the member itself, as JSON (only what differs from the defaults). */
const members = memberCodec({
  source: SOURCE,
  form: 'compact',
  nulls: 'invalid',
  sourceInReason: true,
  reasons: {
    empty: 'the key has no value.',
    notJson: 'the value is not JSON.',
    notObject: 'the value is not a JSON object.',
    idMismatch: (stored) => `the value's id ${JSON.stringify(stored)} does not match the key's id.`,
  },
  message: (key, reason) => `skipping ${key}: ${reason}`,
});

export const encodeMember = members.encode;

/** Reads a member key's value; a MalformedEntryError says why it is not a usable registration. */
export function decodeMember(
  key: string,
  idFromKey: string,
  value: string | null,
): Member | MalformedEntryError {
  const decoded = members.decode(value, idFromKey);
  return 'member' in decoded ? decoded.member : members.malformed(key, decoded.reason, decoded.cause);
}

/**
 * The value stored under the leader key: who holds it, and the lock-delay of its session (ms), so
 * that followers refused during that delay know when to ask again (lock-delay.ts). A holding
 * written by a direct transfer says `handed: true` (and no lock-delay: the giver does not know the
 * successor's, so readers assume their own).
 */
export function encodeHolder(id: string, lockDelayMs: number | undefined, handed = false): string {
  return JSON.stringify({
    id,
    ...(lockDelayMs === undefined ? {} : { lockDelayMs }),
    ...(handed ? { handed } : {}),
  });
}

export function decodeHolder(
  key: string,
  value: string | null,
):
  | { readonly id: string; readonly lockDelayMs: number | undefined; readonly handed: boolean }
  | MalformedEntryError {
  try {
    const parsed = JSON.parse(value ?? '') as {
      id?: unknown;
      lockDelayMs?: unknown;
      handed?: unknown;
    } | null;
    const id = parsed?.id;
    const delay = parsed?.lockDelayMs;
    if (typeof id === 'string' && id.length > 0) {
      // Written without it by earlier versions of this adapter: the reader assumes its own.
      const lockDelayMs =
        typeof delay === 'number' && Number.isFinite(delay) && delay >= 0 ? delay : undefined;
      return { id, lockDelayMs, handed: parsed?.handed === true };
    }
  } catch {
    // Not JSON: reported below like any other unusable value.
  }
  return members.malformed(
    key,
    'the leader key is locked but its value names no holder ({"id": "<member id>"}).',
  );
}
