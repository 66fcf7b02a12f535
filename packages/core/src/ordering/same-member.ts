import type { Member } from '../contracts/member.js';

/**
 * The same record, field by field (id, priority, observer, meta): a snapshot that repeats a
 * member unchanged gives a new object, not a new record. Either side may be absent (not in view).
 */
export function sameMember(a: Member | undefined, b: Member | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  if (
    a.id !== b.id ||
    (a.priority ?? 0) !== (b.priority ?? 0) ||
    (a.observer ?? false) !== (b.observer ?? false)
  )
    return false;
  const metaA = Object.entries(a.meta ?? {});
  const metaB = b.meta ?? {};
  return metaA.length === Object.keys(metaB).length && metaA.every(([key, value]) => metaB[key] === value);
}
