import { agreedLeader, fetchStatus, type NodeStatus } from './status.js';
import { bold, dim, green, red, yellow } from './style.js';

export interface LiveViewOptions {
  /** Node id → base URL, in display order. */
  readonly nodes: ReadonlyArray<{ readonly id: string; readonly url: string }>;
  readonly intervalMs: number;
  readonly print: (line: string) => void;
  /** ms since the demo started, for the time column. */
  readonly elapsed: () => number;
}

function cell(id: string, status: NodeStatus | null): string {
  if (status === null) return `${id} ${red('down')}`;
  if (status.isLeader) return `${id} ${green(bold('LEADER'))}`;
  if (status.phase === 'joining' || status.phase === 'idle') return `${id} ${yellow('joining')}`;
  return `${id} ${dim(`follows ${status.leaderId ?? '-'}`)}`;
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * Polls every node's /status and prints one line whenever what they say changes, so the output is
 * a timeline a person can read: who leads, who follows whom, who is down.
 */
export class LiveView {
  readonly #options: LiveViewOptions;
  #statuses: Array<NodeStatus | null>;
  #lastLine = '';
  #timer: NodeJS.Timeout | undefined;
  #history: string[] = [];
  #listeners = new Set<() => void>();

  constructor(options: LiveViewOptions) {
    this.#options = options;
    this.#statuses = options.nodes.map(() => null);
  }

  /** The leader each completed waitForAgreement() found, in order. */
  get history(): readonly string[] {
    return this.#history;
  }

  /** The leader every answering node agrees on right now, or null. */
  agreedLeader(): string | null {
    return agreedLeader(this.#statuses);
  }

  start(): void {
    const tick = async () => {
      const { nodes, intervalMs } = this.#options;
      this.#statuses = await Promise.all(nodes.map((node) => fetchStatus(node.url, intervalMs * 2)));
      this.#render();
      for (const listener of [...this.#listeners]) listener();
      this.#timer = setTimeout(() => void tick(), intervalMs);
    };
    void tick();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #render(): void {
    const terms = new Set(this.#statuses.flatMap((status) => (status?.term ? [status.term] : [])));
    const term = terms.size > 0 ? dim(`  term ${[...terms].join('/')}`) : '';
    const claims = this.#statuses.filter((status) => status?.isLeader).length;
    // View mode has no lock: while views differ (a returning node, a partition), two nodes may lead.
    const warning = claims > 1 ? yellow(`  ← ${claims} nodes lead at once (view mode has no lock)`) : '';
    const line =
      this.#options.nodes.map((node, i) => cell(node.id, this.#statuses[i] ?? null)).join('   ') + warning;
    if (line + term === this.#lastLine) return;
    this.#lastLine = line + term;
    const at = dim(`[${seconds(this.#options.elapsed()).padStart(7)}]`);
    this.#options.print(`${at} ${line}${term}`);
  }

  /**
   * Resolves with the leader once every answering node agrees on `expected` (or on anyone, when
   * undefined) and `answering` nodes answer; rejects after `timeoutMs`.
   */
  waitForAgreement(answering: number, timeoutMs: number, expected?: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const up = this.#statuses.filter((status) => status !== null).length;
        const leader = agreedLeader(this.#statuses);
        if (up === answering && leader !== null && (expected === undefined || leader === expected)) {
          done();
          this.#history.push(leader);
          resolve(leader);
        }
      };
      const timer = setTimeout(() => {
        done();
        const wanted = expected ?? 'any leader';
        reject(
          new Error(
            `nodes did not agree on ${wanted} with ${answering} answering within ${seconds(timeoutMs)}`,
          ),
        );
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.#listeners.delete(check);
      };
      this.#listeners.add(check);
      check();
    });
  }
}
