import { ElectionError, MalformedEntryError, type Member, validateMember } from '@election/core/adapter';
import { SOURCE } from './source.js';

/** A member as its row stores it (jsonb): only the fields of Member. */
export function encodeMember(member: Member): string {
  const { id, priority, observer, meta } = member;
  return JSON.stringify({ id, priority, observer: observer || undefined, meta });
}

/** A row's member, or why it is unusable (someone wrote the table by hand). */
export function decodeMember(key: string, raw: unknown): Member | MalformedEntryError {
  try {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('not a JSON object');
    const { id, priority, observer, meta } = raw as Record<string, unknown>;
    return validateMember(
      {
        id: id as string,
        ...(priority === undefined ? {} : { priority: priority as number }),
        ...(observer === undefined ? {} : { observer: observer as boolean }),
        ...(meta === undefined ? {} : { meta: meta as Record<string, string> }),
      },
      SOURCE,
    );
  } catch (error) {
    const reason = error instanceof ElectionError ? error.message : String((error as Error).message);
    return new MalformedEntryError(key, `skipping the member row ${key}: ${reason}`, {
      source: SOURCE,
      cause: error,
    });
  }
}
