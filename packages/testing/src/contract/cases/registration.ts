import { fail, hasJoined, isDuplicateMemberError } from '../conditions.js';
import type { ContractCase } from './case.js';

/** What the backend keeps: one registration per id, nothing after stop(). */
export const registrationCases: readonly ContractCase[] = [
  {
    title: 'a duplicate id is rejected with DuplicateMemberError and the first holder keeps leading',
    async run(h) {
      const first = await h.start('node-a', { meta: { instance: 'first' } });
      await h.agreeOn('node-a');
      const error = await h.startFailing('node-a', { meta: { instance: 'second' } });
      if (!isDuplicateMemberError(error)) fail(`expected DuplicateMemberError, got ${String(error)}`);
      await h.stays(
        () => first.state.isLeader && first.state.leaderId === 'node-a',
        'the first node-a keeps leading',
      );
      const observer = await h.start('zz-observer');
      await h.until(() => hasJoined(observer), 'a fresh observer to see the membership');
      const registered = observer.state.members.filter((member) => member.id === 'node-a');
      if (registered.length !== 1) fail(`expected exactly one node-a registration, got ${registered.length}`);
      if (!h.options.fixedMembership && registered[0]?.meta?.instance !== 'first') {
        fail(
          `the registration of node-a must stay the first one's, got meta ${JSON.stringify(registered[0]?.meta)}`,
        );
      }
      await h.agreeOn('node-a');
    },
  },
  {
    title: 'stop() leaves no registration behind',
    async run(h) {
      const a = await h.start('node-a');
      const b = await h.start('node-b');
      await h.agreeOn('node-a');
      await h.stop(b, true);
      await h.stop(a, true);
      const observer = await h.start('zz-observer');
      await h.until(() => hasJoined(observer), 'a fresh observer to see the membership');
      const leftovers = () => observer.state.members.filter((m) => m.id === 'node-a' || m.id === 'node-b');
      await h.stays(
        () => leftovers().length === 0 && observer.state.leaderId === null,
        'a fresh observer sees neither node-a nor node-b, and no leader',
      );
    },
  },
];
