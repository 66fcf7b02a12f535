import { BackendUnavailableError, type Clock, sleep } from '@election/core/adapter';
import { SOURCE } from '../source.js';

/**
 * The simulated network between the in-memory server and its nodes: which nodes are cut off
 * (partition), how late watch events reach each node (delay) and how late answers to its calls
 * come back (latency). Keyed by member id, since a test thinks in nodes.
 */
export interface DelayOptions {
  /** Only this node; default: every node without its own setting. */
  readonly node?: string;
  /** Draw each delay uniformly from [0, ms] instead of exactly ms (order per watch is kept). */
  readonly jitter?: boolean;
}

interface DelaySetting {
  readonly ms: number;
  readonly jitter: boolean;
}

/** One kind of lateness (watch deliveries, call answers): a default plus per-node settings. */
class Lateness {
  #fallback: DelaySetting = { ms: 0, jitter: false };
  readonly #perNode = new Map<string, DelaySetting>();

  set(ms: number, options: DelayOptions): void {
    const setting = { ms, jitter: options.jitter ?? false };
    if (options.node === undefined) this.#fallback = setting;
    else this.#perNode.set(options.node, setting);
  }

  draw(node: string, random: () => number): number {
    const setting = this.#perNode.get(node) ?? this.#fallback;
    return setting.jitter ? random() * setting.ms : setting.ms;
  }
}

export class Network {
  readonly #cutOff = new Set<string>();
  readonly #delivery = new Lateness();
  readonly #replies = new Lateness();
  /** Who waits for each cut-off node to come back. */
  readonly #waiting = new Map<string, Set<() => void>>();

  readonly #clock: Clock;
  readonly #random: () => number;

  constructor(clock: Clock, random: () => number) {
    this.#clock = clock;
    this.#random = random;
  }

  reachable(node: string): boolean {
    return !this.#cutOff.has(node);
  }

  /** The error of a call `node` cannot make now (`operation` names it). */
  unreachable(node: string, operation: string): BackendUnavailableError {
    return new BackendUnavailableError(
      `${operation}: node "${node}" cannot reach the in-memory server (partitioned); heal() it to reconnect.`,
      { source: SOURCE },
    );
  }

  /**
   * Hands `value` back to `node` after its reply latency on the clock (at once without one);
   * rejects with the signal's reason when it aborts first (the caller gave up waiting for it).
   */
  reply<T>(node: string, value: T, signal?: AbortSignal): Promise<T> {
    const ms = this.replyDelay(node);
    if (ms <= 0) return Promise.resolve(value);
    return sleep(this.#clock, ms, signal).then(() => value);
  }

  /**
   * Resolves once `node` can reach the server (at once when it can), as a client that keeps
   * reconnecting gets through on heal; rejects with the signal's reason when it aborts first.
   */
  whenReachable(node: string, signal: AbortSignal): Promise<void> {
    if (this.reachable(node)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiting = this.#waiting.get(node) ?? new Set();
      this.#waiting.set(node, waiting);
      const onAbort = () => {
        waiting.delete(back);
        reject(signal.reason);
      };
      const back = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      waiting.add(back);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  partition(node: string): void {
    this.#cutOff.add(node);
  }

  /** Returns whether the node was cut off. */
  heal(node: string): boolean {
    if (!this.#cutOff.delete(node)) return false;
    const waiting = this.#waiting.get(node);
    this.#waiting.delete(node);
    for (const back of waiting ?? []) back();
    return true;
  }

  setDelay(ms: number, options: DelayOptions = {}): void {
    this.#delivery.set(ms, options);
  }

  setLatency(ms: number, options: DelayOptions = {}): void {
    this.#replies.set(ms, options);
  }

  /** How long the next event to `node` spends in flight, in clock ms. */
  deliveryDelay(node: string): number {
    return this.#delivery.draw(node, this.#random);
  }

  /** How long the answer to `node`'s next call spends in flight, in clock ms. */
  replyDelay(node: string): number {
    return this.#replies.draw(node, this.#random);
  }
}
