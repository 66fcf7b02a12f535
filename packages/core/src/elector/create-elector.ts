import type { Unsubscribe } from '../contracts/member.js';
import { LifecycleError } from '../errors.js';
import { errorForLog } from '../mask-error.js';
import { iterateChanges } from './changes.js';
import { resolveOptions } from './options.js';
import { ElectorRuntime } from './runtime.js';
import type {
  ElectionState,
  Elector,
  ElectorEvent,
  ElectorEventOf,
  ElectorEventType,
  ElectorOptions,
} from './types.js';

/**
 * Creates an elector for one node. Nothing happens until `start()`; every option is validated
 * here, so mistakes surface at construction with a message that says what to change.
 */
export function createElector(options: ElectorOptions): Elector {
  const resolved = resolveOptions(options);
  const runtime = new ElectorRuntime(resolved);
  const { store } = runtime;
  let started = false;

  const signal = resolved.signal;
  const onAbort = () => {
    stop({ resign: true }).catch((error: unknown) =>
      resolved.logger.error({ err: errorForLog(error) }, 'stop on abort failed'),
    );
  };
  // The listener goes with the stop, so a long-lived signal does not keep a stopped elector alive.
  const stop: Elector['stop'] = (stopOptions) => {
    signal?.removeEventListener('abort', onAbort);
    return runtime.stop(stopOptions);
  };
  if (signal?.aborted) queueMicrotask(onAbort);
  else signal?.addEventListener('abort', onAbort, { once: true });

  const subscribe = (listener: (event: ElectorEvent, state: ElectionState) => void): Unsubscribe =>
    store.subscribe(listener);

  const elector: Elector = {
    id: resolved.member.id,
    mode: resolved.mode,
    backend: resolved.backend.name,
    clock: resolved.clock,
    ttlMs: resolved.ttlMs,
    get state() {
      runtime.checkDeadline();
      return store.snapshot();
    },
    async start() {
      if (started) {
        const phase = store.current.phase;
        throw new LifecycleError(
          phase === 'stopped' || phase === 'stopping'
            ? 'start() was called after stop(); create a new elector to join again.'
            : 'start() was called twice; await the first call instead.',
        );
      }
      if (runtime.stopped) {
        throw new LifecycleError(
          'start() was called after stop() (or an aborted signal); create a new elector.',
        );
      }
      started = true;
      await runtime.start();
    },
    stop,
    setPriority: (priority) => runtime.setPriority(priority),
    subscribe,
    on<T extends ElectorEventType>(
      type: T,
      listener: (event: ElectorEventOf<T>, state: ElectionState) => void,
    ) {
      return subscribe((event, state) => {
        if (event.type === type) listener(event as ElectorEventOf<T>, state);
      });
    },
    changes: (changeOptions) => iterateChanges(elector, changeOptions?.signal),
    waitForLeadership(waitOptions) {
      return new Promise<ElectionState>((resolve, reject) => {
        const signal = waitOptions?.signal;
        if (signal?.aborted) {
          reject(signal.reason);
          return;
        }
        const current = elector.state;
        if (current.isLeader) {
          resolve(current);
          return;
        }
        if (current.phase === 'stopped' || current.phase === 'stopping') {
          reject(new LifecycleError('waitForLeadership() on a stopped elector: it will never lead.'));
          return;
        }
        const finish = (outcome: () => void) => {
          unsubscribe();
          signal?.removeEventListener('abort', onAbort);
          outcome();
        };
        const onAbort = () => finish(() => reject(signal?.reason));
        const unsubscribe = subscribe((event, state) => {
          // Inside a listener, older events may still be queued: an 'elected' counts only if this
          // node leads now (its state may have moved on to a demotion not delivered yet).
          if (event.type === 'elected' && state.isLeader) {
            const now = elector.state;
            if (now.isLeader) finish(() => resolve(now));
          } else if (event.type === 'phase' && (event.phase === 'stopping' || event.phase === 'stopped')) {
            finish(() => reject(new LifecycleError('the elector stopped before this node was elected.')));
          }
        });
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
  return elector;
}
