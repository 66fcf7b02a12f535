import { createElector, type ElectorEvent, type ElectorOptions } from '../../src/index.js';
import { createTestClock } from './manual-clock.js';
import { createScriptedBackend } from './scripted-backend.js';

export const member = (id: string, extra: { priority?: number; observer?: boolean } = {}) => ({
  id,
  ...extra,
});

/** One elector on a scripted backend and a test clock, with every event recorded. */
export async function startScripted(options: Partial<ElectorOptions> = {}, lock = true) {
  const clock = createTestClock();
  const backend = createScriptedBackend({ lock });
  const elector = createElector({
    id: 'b',
    membership: backend,
    clock,
    ttlMs: 60_000,
    backoff: { random: () => 0.5 },
    ...options,
  });
  const events: ElectorEvent[] = [];
  elector.subscribe((event) => events.push(event));
  await elector.start();
  const session = backend.sessions[0]!;
  return { clock, backend, elector, events, session };
}
