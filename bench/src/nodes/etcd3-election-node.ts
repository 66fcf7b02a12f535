/**
 * Baseline: the etcd3 npm client's own Election recipe, as its docs show it. Campaigns with its id,
 * observes the leader, resigns on SIGTERM. Prints JSON lines (see report.ts).
 */
import { type Campaign, Etcd3 } from 'etcd3';
import { type Emit, onGracefulStop, parseNodeArgs } from './node-args.js';
import { describeError, report } from './report.js';

const args = parseNodeArgs();
const emit: Emit = (type, fields) => report(args.id, type, fields);
const client = new Etcd3({ hosts: args.endpoint });
const election = client.election(args.election, args.ttlSeconds);
let campaign: Campaign | undefined;

function runCampaign(): void {
  const current = election.campaign(args.id);
  campaign = current;
  current.on('elected', () => emit('elected', { term: null }));
  current.on('error', (error) => {
    // The recipe's advice: a failed campaign is over; stop leading and campaign again.
    emit('demoted', { reason: 'campaign-error', message: describeError(error) });
    if (campaign === current) setTimeout(runCampaign, 500);
  });
}

async function observe(): Promise<void> {
  const observer = await election.observe();
  emit('leader', { leaderId: observer.leader() ?? null });
  observer.on('change', (leaderId) => emit('leader', { leaderId: leaderId ?? null }));
  observer.on('error', (error) => emit('error', { where: 'observe', message: describeError(error) }));
}

onGracefulStop(emit, async () => {
  const current = campaign;
  campaign = undefined;
  await current?.resign();
  emit('demoted', { reason: 'stopped' });
  client.close();
});

runCampaign();
observe().then(
  () => emit('ready'),
  (error: unknown) => emit('error', { where: 'observe', message: describeError(error) }),
);
