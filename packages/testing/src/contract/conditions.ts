import type { Elector } from '@election/core';

/** One line per elector, for failure messages: who it thinks leads, whether it leads, its term. */
export function describeElectors(electors: readonly Elector[]): string {
  return electors
    .map((elector) => {
      const s = elector.state;
      return `${elector.id}: phase=${s.phase} leader=${s.leaderId} isLeader=${s.isLeader} term=${s.term} members=[${s.members.map((m) => m.id).join(',')}]`;
    })
    .join('; ');
}

/**
 * Every elector names `leaderId` as leader, exactly that one reports isLeader (none when null),
 * and terms agree: one shared non-null token in confirmed mode, null in view mode.
 */
export function agreeOn(electors: readonly Elector[], leaderId: string | null, confirmed: boolean): boolean {
  if (electors.length === 0) return false;
  const states = electors.map((elector) => ({ id: elector.id, state: elector.state }));
  const leaderTerm = states.find((entry) => entry.id === leaderId)?.state.term ?? null;
  return states.every(({ id, state }) => {
    if (state.leaderId !== leaderId || state.isLeader !== (id === leaderId)) return false;
    if (leaderId === null) return true;
    return confirmed ? leaderTerm !== null && state.term === leaderTerm : state.term === null;
  });
}

/** The node's view has arrived: it lists itself among the members. */
export function hasJoined(elector: Elector): boolean {
  const state = elector.state;
  return state.phase !== 'joining' && state.members.some((member) => member.id === elector.id);
}

export function fail(message: string): never {
  throw new Error(message);
}

export function isDuplicateMemberError(error: unknown): boolean {
  return error instanceof Error && (error as { code?: unknown }).code === 'DUPLICATE_MEMBER';
}
