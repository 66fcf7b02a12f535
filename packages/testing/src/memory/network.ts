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

  readonly #random: () => number;

  constructor(random: () => number) {
    this.#random = random;
  }

  reachable(node: string): boolean {
    return !this.#cutOff.has(node);
  }

  partition(node: string): void {
    this.#cutOff.add(node);
  }

  /** Returns whether the node was cut off. */
  heal(node: string): boolean {
    return this.#cutOff.delete(node);
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
