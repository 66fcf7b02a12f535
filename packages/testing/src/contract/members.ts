import type { Member } from '@election/core';

/**
 * Every member the contract suite ever starts, each with one fixed role, so an adapter with a
 * fixed membership (static) can declare them all upfront. No test uses an id outside this list.
 */
export const contractMembers: readonly Member[] = Object.freeze([
  // Sorts before every node, to prove observers are never elected.
  Object.freeze({ id: 'aaa-observer', observer: true }),
  Object.freeze({ id: 'node-a' }),
  Object.freeze({ id: 'node-b' }),
  Object.freeze({ id: 'node-c' }),
  Object.freeze({ id: 'node-d' }),
  Object.freeze({ id: 'node-e' }),
  // Sorts after every node by id, but its lower priority ranks it first.
  Object.freeze({ id: 'zz-priority', priority: -1 }),
  // U+FF61 sorts before U+1F600 in UTF-8 byte order (EF BD A1 < F0 9F 98 80), but JS `<` puts the
  // emoji first (its UTF-16 surrogate 0xD83D < 0xFF61): the case where the orders disagree.
  Object.freeze({ id: '\uFF61' }),
  Object.freeze({ id: '\u{1F600}' }),
  // A late observer that checks what is left behind.
  Object.freeze({ id: 'zz-observer', observer: true }),
]);

/** The ids of `contractMembers`, in the same order. */
export const contractMemberIds: readonly string[] = Object.freeze(contractMembers.map((member) => member.id));

export function contractMember(id: string): Member {
  const member = contractMembers.find((candidate) => candidate.id === id);
  if (member === undefined) throw new Error(`contract suite bug: "${id}" is not in contractMembers`);
  return member;
}
