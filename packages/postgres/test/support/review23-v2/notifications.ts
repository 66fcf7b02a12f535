import { createBackoff, type Unsubscribe } from '@election/core/adapter';
import pg from 'pg';

/**
 * LISTEN/NOTIFY, one connection per process and database, shared by every session of the process:
 * a NOTIFY on (channel, election) wakes the sessions of that election, which then read it. Each
 * (re)connect wakes them all too (notifications sent while it was down are lost). A speed-up only:
 * the sessions' polls are correct on their own, so a down listener is retried quietly, with capped
 * jittered backoff, and never reported. Closed when its last subscriber goes, so the process exits.
 */
class SharedListener {
  readonly #config: pg.ClientConfig;
  readonly #forget: () => void;
  /** `channel \0 election` → the sessions to wake. */
  readonly #wakes = new Map<string, Set<() => void>>();
  readonly #backoff = createBackoff({ initialMs: 100, maxMs: 5000 });
  #client: pg.Client | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(config: pg.ClientConfig, forget: () => void) {
    this.#config = config;
    this.#forget = forget;
  }

  subscribe(channel: string, election: string, wake: () => void): Unsubscribe {
    const key = `${channel}\0${election}`;
    const wakes = this.#wakes.get(key) ?? new Set();
    const first = !this.#wakes.has(key);
    this.#wakes.set(key, wakes);
    wakes.add(wake);
    if (this.#client === undefined && this.#timer === undefined) this.#connect();
    else if (first && this.#client !== undefined)
      void this.#client.query(`listen "${channel}"`).catch(() => {});
    return () => {
      wakes.delete(wake);
      if (wakes.size === 0) this.#wakes.delete(key);
      if (this.#wakes.size === 0) this.#close();
    };
  }

  #connect(): void {
    this.#timer = undefined;
    const client = new pg.Client(this.#config);
    this.#client = client;
    const retry = () => {
      if (this.#client !== client || this.#closed) return;
      this.#client = undefined;
      void client.end().catch(() => {});
      this.#timer = setTimeout(() => this.#connect(), this.#backoff.next());
    };
    client.on('error', retry);
    client.on('end', retry);
    client.on('notification', ({ channel, payload }) => {
      for (const wake of [...(this.#wakes.get(`${channel}\0${payload}`) ?? [])]) wake();
    });
    const channels = new Set([...this.#wakes.keys()].map((key) => key.split('\0')[0]));
    client
      .connect()
      .then(() => client.query([...channels].map((channel) => `listen "${channel}";`).join('\n')))
      .then(() => {
        if (this.#client !== client) return;
        this.#backoff.reset();
        for (const wakes of [...this.#wakes.values()]) for (const wake of [...wakes]) wake();
      })
      .catch(retry);
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#forget();
    clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = undefined;
    void client?.end().catch(() => {});
  }
}

const listeners = new Map<string, SharedListener>();

/** Where a connection goes, as a key: `user@host:port/database`. */
function serverKey(config: pg.ClientConfig): string {
  const { user, host, port, database } = new pg.Client(config) as unknown as Record<string, unknown>;
  return `${user}@${host}:${port}/${database}`;
}

/** Calls `wake` on each NOTIFY of `election` on `channel`, and after each (re)connect. */
export function listen(
  config: pg.ClientConfig,
  channel: string,
  election: string,
  wake: () => void,
): Unsubscribe {
  const key = serverKey(config);
  let listener = listeners.get(key);
  if (listener === undefined) {
    const created: SharedListener = new SharedListener(config, () => {
      if (listeners.get(key) === created) listeners.delete(key);
    });
    listener = created;
    listeners.set(key, listener);
  }
  return listener.subscribe(channel, election, wake);
}
