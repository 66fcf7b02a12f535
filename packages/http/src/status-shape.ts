import type { ElectionReasonJson, ElectionStatus, RankedMember } from './status.js';

/** Why an answer was refused: not the shape of `/status`. */
export const NOT_A_STATUS = 'answered something that is not a status';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === 'string';
const isNullableString = (value: unknown): value is string | null => value === null || isString(value);
const isNullableNumber = (value: unknown): value is number | null =>
  value === null || (typeof value === 'number' && Number.isFinite(value));

/** Every field an `ElectionReason` kind can carry, with the type each must have (terms as strings). */
const REASON_FIELDS: Readonly<Record<string, (value: unknown) => boolean>> = {
  since: (value) => typeof value === 'number' && Number.isFinite(value),
  attempt: (value) => typeof value === 'number' && Number.isFinite(value),
  lastError: isNullableString,
  message: isString,
  by: isString,
  because: isString,
  id: isString,
  term: isNullableString,
  expiresWithinMs: (value) => typeof value === 'number' && Number.isFinite(value),
  to: isString,
  inMs: (value) => typeof value === 'number' && Number.isFinite(value),
};

function reasonOf(value: unknown): ElectionReasonJson | undefined {
  if (!isObject(value) || !isString(value.kind)) return undefined;
  const reason: Json = { kind: value.kind };
  for (const [name, valid] of Object.entries(REASON_FIELDS)) {
    if (!(name in value)) continue;
    if (!valid(value[name])) return undefined;
    reason[name] = value[name];
  }
  return reason as ElectionReasonJson;
}

function rankedOf(value: unknown): RankedMember | undefined {
  if (!isObject(value)) return undefined;
  const { id, priority, observer, leader, self } = value;
  if (!isString(id) || typeof priority !== 'number' || !Number.isFinite(priority)) return undefined;
  if (typeof observer !== 'boolean' || typeof leader !== 'boolean' || typeof self !== 'boolean') {
    return undefined;
  }
  return { id, priority, observer, leader, self };
}

/**
 * `value` as an `ElectionStatus` when it has the shape of `/status` (every field of the right type),
 * as a copy holding only those fields: whatever else an answer carries is dropped, never passed on.
 * Undefined when it is not a status.
 */
export function statusOf(value: unknown): ElectionStatus | undefined {
  if (!isObject(value)) return undefined;
  const { id, leaderId, isLeader, term, members, phase, backend, mode, reasonText } = value;
  if (!isString(id) || !isNullableString(leaderId) || typeof isLeader !== 'boolean') return undefined;
  if (!isNullableString(term) || !Array.isArray(members) || !members.every(isString)) return undefined;
  if (!isString(phase) || !isString(backend) || !isString(mode) || !isString(reasonText)) return undefined;
  if (!isNullableNumber(value.leaseRemainingMs) || !isNullableNumber(value.leaderSince)) return undefined;
  const reason = reasonOf(value.reason);
  if (reason === undefined || !Array.isArray(value.ranking)) return undefined;
  const ranking = value.ranking.map(rankedOf);
  if (ranking.some((member) => member === undefined)) return undefined;
  return {
    id,
    leaderId,
    isLeader,
    term,
    members: [...members],
    phase,
    backend,
    mode,
    reason,
    reasonText,
    leaseRemainingMs: value.leaseRemainingMs,
    ranking: ranking as RankedMember[],
    leaderSince: value.leaderSince,
  };
}
