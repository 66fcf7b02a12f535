/**
 * This library's node: @election/etcd (or, with `--backend postgres`, @election/postgres)
 * membership, confirmed mode. Prints its elections as JSON lines;
 * SIGTERM = graceful stop (resign), SIGKILL = crash. With `--resource` it also reports every lease
 * deadline move and performs fenced writes while leading (the chaos run).
 */
import { createElector, DuplicateMemberError, type ElectionState, type Elector } from '@election/core';
import { startFencedWrites } from './fenced-writer.js';
import { createMembership } from './membership.js';
import { type Emit, onGracefulStop, parseNodeArgs } from './node-args.js';
import { describeError, report } from './report.js';
import { countStatements } from './statement-counter.js';

const args = parseNodeArgs();
const emit: Emit = (type, fields) => report(args.id, type, fields);
const chaos = args.extra.resource !== undefined;
// `--mode view` exists to show the chaos checker failing on a real run (view mode has no lock).
const mode = args.extra.mode === 'view' ? 'view' : 'confirmed';
// The steady-state load of a PostgreSQL node is counted here, on the client (see statement-counter).
if (args.backend === 'postgres') countStatements(emit);
const membership = await createMembership(args);
let elector: Elector | undefined;
let stopping = false;
let reportedDeadline: number | null = null;

/** Every move of the leader's deadline, so the checker knows how far this leadership reached. */
function noteDeadline(state: ElectionState): void {
  if (state.phase !== 'leader' || state.leaseDeadline === null || state.leaseDeadline === reportedDeadline)
    return;
  reportedDeadline = state.leaseDeadline;
  emit('deadline', { term: state.term, deadline: state.leaseDeadline });
}

async function run(): Promise<void> {
  while (!stopping) {
    const current = createElector({
      id: args.id,
      ...(args.extra.priority === undefined ? {} : { priority: Number(args.extra.priority) }),
      membership,
      mode,
      ttlMs: args.ttlSeconds * 1000,
    });
    elector = current;
    current.subscribe((event, state) => {
      if (event.type === 'elected') {
        reportedDeadline = state.leaseDeadline;
        emit('elected', { term: event.term, deadline: state.leaseDeadline });
      } else if (event.type === 'demoted') emit('demoted', { reason: event.reason, term: event.term });
      else if (event.type === 'leader') emit('leader', { leaderId: event.leaderId, term: event.term });
      else if (event.type === 'error') emit('error', { where: 'elector', message: event.error.message });
    });
    try {
      await current.start();
      emit('ready');
      return;
    } catch (error) {
      // A restarted node finds its previous lease still holding its id until the TTL runs out.
      if (!(error instanceof DuplicateMemberError)) throw error;
      emit('error', { where: 'start', message: describeError(error) });
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }
}

// Switchover (the bench's priority row): SIGUSR2 moves this node below everyone; it hands over.
let rank = Number(args.extra.priority ?? 0);
process.on('SIGUSR2', () => {
  rank += 1000;
  emit('priority', { priority: rank });
  elector
    ?.setPriority(rank)
    .catch((error: unknown) => emit('error', { where: 'setPriority', message: describeError(error) }));
});

onGracefulStop(emit, async () => {
  stopping = true;
  await elector?.stop({ resign: true });
  await membership.close();
});

await run();
if (chaos && elector !== undefined) {
  const current = elector;
  // Poll the deadline too: a renewal between two writes must still reach the record.
  setInterval(() => noteDeadline(current.state), 10);
  startFencedWrites({
    elector: current,
    resourceUrl: args.extra.resource as string,
    node: args.id,
    proc: args.extra.proc ?? args.id,
    everyMs: Number(args.extra.writeEveryMs ?? 50),
    emit,
    noteDeadline,
  }).catch((error: unknown) => emit('error', { where: 'runWhileLeader', message: describeError(error) }));
}
