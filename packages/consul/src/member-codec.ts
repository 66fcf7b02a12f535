import { ElectionError, MalformedEntryError, type Member, validateMember } from '@election/core/adapter';
import { SOURCE } from './source.js';

/** The value stored under a member key: the member itself, as JSON. */
export function encodeMember(member: Member): string {
  return JSON.stringify({
    id: member.id,
    ...(member.priority === undefined ? {} : { priority: member.priority }),
    ...(member.observer ? { observer: true } : {}),
    ...(member.meta === undefined ? {} : { meta: member.meta }),
  });
}

function malformed(key: string, reason: string, cause?: unknown): MalformedEntryError {
  return new MalformedEntryError(key, `skipping ${key}: ${reason}`, {
    source: SOURCE,
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Reads a member key's value; a MalformedEntryError says why it is not a usable registration. */
export function decodeMember(
  key: string,
  idFromKey: string,
  value: string | null,
): Member | MalformedEntryError {
  if (value === null || value.length === 0) return malformed(key, 'the key has no value.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    return malformed(key, 'the value is not JSON.', error);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return malformed(key, 'the value is not a JSON object.');
  }
  const raw = parsed as Record<string, unknown>;
  if (raw.id !== idFromKey) {
    return malformed(key, `the value's id ${JSON.stringify(raw.id)} does not match the key's id.`);
  }
  const member: Member = {
    id: idFromKey,
    ...(raw.priority === undefined ? {} : { priority: raw.priority as number }),
    ...(raw.observer === undefined ? {} : { observer: raw.observer as boolean }),
    ...(raw.meta === undefined ? {} : { meta: raw.meta as Record<string, string> }),
  };
  try {
    return validateMember(member, SOURCE);
  } catch (error) {
    if (error instanceof ElectionError) return malformed(key, error.message, error);
    throw error;
  }
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
  return malformed(key, 'the leader key is locked but its value names no holder ({"id": "<member id>"}).');
}
