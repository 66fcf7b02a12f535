/**
 * A node in a child process, for tests that must kill or freeze a real process. Configured by
 * environment: ETCD_ENDPOINTS (comma-separated), ELECTION_PREFIX, NODE_ID, TTL_MS, and optionally
 * TAKEOVER=1 (the elector's takeover option), LOG=1 (log lines at info and above as records) and
 * HOLD_START=1 (start the elector on SIGUSR2, after a `held` record).
 * Prints one JSON line per elector event (and every 20 ms while leading) on stdout, and on
 * SIGCONT prints the state read right away, before anything else, so a test can see what a
 * frozen-then-resumed leader believes.
 */
import { createElector, type ElectionState, type Logger } from '@election/core';
import { createEtcdMembership } from '@election/etcd';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const clockNow = () => performance.timeOrigin + performance.now();
const print = (record: Record<string, unknown>) => {
  process.stdout.write(
    `${JSON.stringify(record, (_key, value) => (typeof value === 'bigint' ? value.toString() : value))}\n`,
  );
};
const summary = (state: ElectionState) => ({
  isLeader: state.isLeader,
  phase: state.phase,
  term: state.term,
  leaseDeadline: state.leaseDeadline,
  leaderId: state.leaderId,
});

/** A pino-shaped logger that prints info, warn and error lines as `log` records. */
function recordLogger(bindings: Record<string, unknown> = {}): Logger {
  const at =
    (level: string) =>
    (first: object | string, message?: string): void => {
      const fields = typeof first === 'string' ? {} : first;
      const msg = typeof first === 'string' ? first : (message ?? '');
      print({ type: 'log', at: clockNow(), level, msg, fields: { ...bindings, ...fields } });
    };
  return {
    debug: () => {},
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => recordLogger({ ...bindings, ...more }),
  };
}

const membership = createEtcdMembership({
  endpoints: env('ETCD_ENDPOINTS').split(','),
  prefix: env('ELECTION_PREFIX'),
});
const elector = createElector({
  id: env('NODE_ID'),
  membership,
  ttlMs: Number(env('TTL_MS')),
  takeover: process.env.TAKEOVER === '1',
  ...(process.env.LOG === '1' ? { logger: recordLogger() } : {}),
});
let demotedBeforeRead = false;

process.on('SIGCONT', () => {
  // The very first read after the pause: state must not claim leadership past the deadline.
  const state = elector.state;
  print({ type: 'resumed', at: clockNow(), demotedBeforeRead, ...summary(state) });
});

elector.subscribe((event, state) => {
  if (event.type === 'demoted') demotedBeforeRead = true;
  if (event.type === 'elected' || event.type === 'demoted') {
    print({
      type: event.type,
      at: clockNow(),
      ...('reason' in event ? { reason: event.reason } : {}),
      ...summary(state),
    });
  }
});

// While leading, report the deadline often, so a test knows the last one before a freeze.
setInterval(() => {
  if (elector.state.isLeader) print({ type: 'tick', at: clockNow(), ...summary(elector.state) });
}, 20);

process.on('SIGTERM', () => {
  elector.stop({ resign: true }).finally(() => process.exit(0));
});

function start(): void {
  print({ type: 'starting', at: clockNow() });
  elector.start().then(
    () => print({ type: 'started', at: clockNow() }),
    (error: unknown) => {
      const code = (error as { code?: unknown }).code;
      print({ type: 'start-failed', at: clockNow(), code, message: String(error) });
      process.exit(1);
    },
  );
}

// HOLD_START=1: loaded and ready, the elector starts on SIGUSR2 only (a restart at a chosen instant,
// however long this process took to load).
if (process.env.HOLD_START === '1') {
  process.once('SIGUSR2', start);
  print({ type: 'held', at: clockNow() });
} else {
  start();
}
