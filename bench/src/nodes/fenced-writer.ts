import { type ElectionState, type Elector, runWhileLeader } from '@election/core';
import { sharedNow } from '../util/clock.js';
import type { Emit } from './node-args.js';
import { describeError } from './report.js';

export interface FencedWriterOptions {
  readonly elector: Elector;
  /** Base URL of the orchestrator's fenced resource (127.0.0.1). */
  readonly resourceUrl: string;
  readonly node: string;
  readonly proc: string;
  readonly everyMs: number;
  readonly emit: Emit;
  /** Reports the deadline of `state` if it moved; called before every write. */
  readonly noteDeadline: (state: ElectionState) => void;
}

/**
 * Leader-only work for the chaos run: while leading, write to the shared resource every `everyMs`
 * with the term as fencing token. The send time is taken before the last isLeader check, so a write
 * the checker sees was decided inside this node's leadership, on the shared clock.
 */
export function startFencedWrites(options: FencedWriterOptions): Promise<void> {
  const { elector, emit } = options;
  return runWhileLeader(elector, async (signal, term) => {
    while (!signal.aborted) {
      const sentAt = sharedNow();
      const state = elector.state;
      if (!state.isLeader || signal.aborted || term === null) return;
      options.noteDeadline(state);
      const query = new URLSearchParams({
        node: options.node,
        proc: options.proc,
        token: term.toString(),
        sentAt: String(sentAt),
      });
      try {
        const response = await fetch(`${options.resourceUrl}/write?${query}`, { method: 'POST', signal });
        emit('write', { term, sentAt, status: response.status });
        await response.arrayBuffer();
      } catch (error) {
        if (!signal.aborted) emit('error', { where: 'write', message: describeError(error) });
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.everyMs);
        signal.addEventListener(
          'abort',
          () => {
            clearTimeout(timer);
            resolve();
          },
          { once: true },
        );
      });
    }
  });
}
