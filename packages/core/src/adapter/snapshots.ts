import type { LockHolder } from '../contracts/backend.js';
import type { Member } from '../contracts/member.js';

/**
 * Equality of two views, for a replaying listener set (`Listeners` with `replay`): an equal view
 * is not delivered again. Members are equal when every member is, field for field, in the same
 * order (the order a backend lists them in is stable); holders when both are free, or the same id
 * with the same fencing token.
 */
export function sameMembers(a: readonly Member[], b: readonly Member[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function sameHolder(a: LockHolder, b: LockHolder): boolean {
  return a?.id === b?.id && a?.token === b?.token;
}
