import { fail, hasJoined } from '../conditions.js';
import type { ContractCase } from './case.js';

/** Who leads a settled cluster: the election order, seen the same way by every node. */
export const rankingCases: readonly ContractCase[] = [
  {
    title: 'the lowest id leads and every node agrees on it',
    async run(h) {
      // Started highest first, so "first to join" and "lowest id" point at different nodes.
      await h.start('node-c');
      await h.start('node-b');
      const a = await h.start('node-a');
      await h.agreeOn('node-a');
      const leaders = h.running().filter((e) => e.state.isLeader);
      if (leaders.length !== 1 || leaders[0] !== a)
        fail(`exactly node-a should lead, got [${leaders.map((e) => e.id)}]`);
      const term = a.state.term;
      if (h.confirmed && (term === null || term <= 0n))
        fail(`confirmed mode: the leader's term must be a positive fencing token, got ${term}`);
      if (!h.confirmed && term !== null) fail(`view mode: term must be null, got ${term}`);
    },
  },
  {
    title: 'observers never lead, but see the leader',
    async run(h) {
      const observer = await h.start('aaa-observer');
      await h.until(() => hasJoined(observer), 'the lone observer to see itself in the membership');
      await h.stays(
        () => !observer.state.isLeader && observer.state.leaderId === null,
        'a lone observer neither leads nor names a leader',
      );
      await h.start('node-c');
      await h.start('node-b');
      // The observer's id sorts first; it must still be passed over, and it must see node-b.
      await h.agreeOn('node-b');
      await h.stays(
        () => !observer.state.isLeader && observer.state.leaderId === 'node-b',
        'the observer keeps seeing node-b lead',
      );
    },
  },
  {
    title: 'a lower priority beats id order',
    async run(h) {
      await h.start('node-a');
      await h.agreeOn('node-a');
      // "zz-priority" sorts last by id, but its priority -1 ranks before node-a's default 0.
      await h.start('zz-priority');
      await h.agreeOn('zz-priority');
    },
  },
  {
    title: 'equal priorities are ordered by UTF-8 bytes, not JS string order (U+FF61 before U+1F600)',
    async run(h) {
      const emoji = '\u{1F600}';
      const halfwidth = '\uFF61';
      // The premise of this case: JS `<` and UTF-8 byte order disagree on these two ids.
      if (!(emoji < halfwidth)) fail('contract suite bug: expected JS "<" to put U+1F600 first');
      await h.start(emoji);
      await h.start(halfwidth);
      await h.agreeOn(halfwidth);
    },
  },
];
