/**
 * The simulated network between the in-memory server and its nodes: which nodes are cut off
 * (partition) and how late watch events reach each node (delay). Keyed by member id, since a
 * test thinks in nodes.
 */
export interface DelayOptions {
  /** Delay only this node's deliveries; default: every node without its own setting. */
  readonly node?: string;
  /** Draw each event's delay uniformly from [0, ms] instead of exactly ms (order per watch is kept). */
  readonly jitter?: boolean;
}

interface DelaySetting {
  readonly ms: number;
  readonly jitter: boolean;
}

export class Network {
  private readonly cutOff = new Set<string>();
  private fallbackDelay: DelaySetting = { ms: 0, jitter: false };
  private readonly nodeDelays = new Map<string, DelaySetting>();

  constructor(private readonly random: () => number) {}

  reachable(node: string): boolean {
    return !this.cutOff.has(node);
  }

  partition(node: string): void {
    this.cutOff.add(node);
  }

  /** Returns whether the node was cut off. */
  heal(node: string): boolean {
    return this.cutOff.delete(node);
  }

  setDelay(ms: number, options: DelayOptions = {}): void {
    const setting = { ms, jitter: options.jitter ?? false };
    if (options.node === undefined) this.fallbackDelay = setting;
    else this.nodeDelays.set(options.node, setting);
  }

  /** How long the next event to `node` spends in flight, in clock ms. */
  deliveryDelay(node: string): number {
    const setting = this.nodeDelays.get(node) ?? this.fallbackDelay;
    return setting.jitter ? this.random() * setting.ms : setting.ms;
  }
}
