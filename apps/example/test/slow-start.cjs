// Preloaded (NODE_OPTIONS=--require) into a spawned node by etcd-outage.test.ts: holds the process
// busy for SLOW_START_MS before its own code loads, as a loaded machine delays a start.
const until = Date.now() + Number(process.env.SLOW_START_MS ?? 0);
while (Date.now() < until) {
  // busy: a loaded machine's slow start, not a timer
}
