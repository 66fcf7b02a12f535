import { randomUUID } from 'node:crypto';
import { createBackoff, type Logger, type Unsubscribe } from '@election/core/adapter';
import pg from 'pg';
import { targetOf } from './options.js';

/** How often a listener that works checks that it still does (one NOTIFY per process), ms. */
export const PROBE_EVERY_MS = 5000;
/** How long a probe may take to come back on the listening connection once its NOTIFY committed, ms. */
export const PROBE_DEADLINE_MS = 1000;

/** One session's wish to be woken, and what the listener may use on its behalf. */
export interface Subscriber {
  readonly wake: () => void;
  /** Where the listener says that notifications stopped, or came back. */
  readonly logger: Logger;
  /** The session's poll interval: what it reads by while notifications do not arrive. */
  readonly pollMs: number;
  /** Sends a NOTIFY through the session's pool (the way the election's writes go). */
  readonly notify: (channel: string, payload: string) => Promise<unknown>;
  /** The session asked for the probe (`listenProbe`): the listener probes while one such is subscribed. */
  readonly probe: boolean;
}

/**
 * LISTEN/NOTIFY, one connection per process and database, shared by every session of the process:
 * a NOTIFY on (channel, election) wakes the sessions of that election, which then read it. Each
 * (re)connect wakes them all too (notifications sent while it was down are lost). A speed-up only:
 * the sessions' polls are correct on their own. Closed when its last subscriber goes, so the
 * process exits.
 *
 * A connection that ended is reconnected with capped jittered backoff, quietly. One that stays
 * open but gets no notifications is found by a probe, while a session that asked for it
 * (`listenProbe`) is subscribed: after each LISTEN, then every
 * PROBE_EVERY_MS, the process NOTIFYs a channel of its own with a fresh payload through a
 * session's pool and waits PROBE_DEADLINE_MS for it here. pgbouncer in transaction mode accepts
 * LISTEN on whichever server connection the transaction got and then hands that connection to
 * other clients, so its notifications never come here (pgbouncer.org/features, "SQL feature
 * map for pooling modes": LISTEN is for session pooling only); a backend that stopped, or a connection a
 * firewall cut without a reset, is not noticed by TCP keepalive for minutes. A miss is said
 * once (info), and the listener is reconnected with the same backoff; a probe that arrives again
 * is said once too.
 */
class SharedListener {
  readonly #config: pg.ClientConfig;
  readonly #forget: () => void;
  /** `channel \0 election` → the sessions to wake. */
  readonly #subscribers = new Map<string, Set<Subscriber>>();
  /** Reset when a probe comes back: a pooler that drops notifications is retried ever more slowly. */
  readonly #backoff = createBackoff({ initialMs: 100, maxMs: 10_000 });
  /** This process's probe channel (at most 63 bytes, as every channel). */
  readonly #probeChannel = `election_probe_${randomUUID().replaceAll('-', '')}`;
  #probes = 0;
  /** The payload of the probe in flight, and what its arrival calls. */
  #awaiting: { readonly payload: string; readonly arrived: () => void } | undefined;
  /** Whether a miss was said and no probe has arrived since. */
  #missing = false;
  #client: pg.Client | undefined;
  /** The current client's connect and statements, in order. */
  #queue: Promise<unknown> = Promise.resolve();
  /** The one pending timer: a reconnect, the next probe, or a probe's deadline. */
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(config: pg.ClientConfig, forget: () => void) {
    this.#config = config;
    this.#forget = forget;
  }

  subscribe(channel: string, election: string, subscriber: Subscriber): Unsubscribe {
    const key = `${channel}\0${election}`;
    const set = this.#subscribers.get(key) ?? new Set();
    const first = !this.#subscribers.has(key);
    this.#subscribers.set(key, set);
    set.add(subscriber);
    const client = this.#client;
    // What the listener's connection had to do before this subscription's LISTEN (if any).
    const before = this.#queue;
    if (client === undefined && this.#timer === undefined) this.#connect();
    else if (first && client !== undefined) void this.#send(client, `listen "${channel}"`).catch(() => {});
    // The first session that asks for the probe starts it on a listener already connected; not
    // behind its own LISTEN, which a stopped listening backend would never answer.
    if (client !== undefined && subscriber.probe && this.#timer === undefined && this.#awaiting === undefined)
      void before.then(() => this.#probe(client));
    return () => {
      // Once only: a second call must not touch a set a later subscriber made under the same key.
      if (!set.delete(subscriber)) return;
      if (set.size === 0 && this.#subscribers.get(key) === set) this.#subscribers.delete(key);
      if (this.#subscribers.size === 0) this.#close();
    };
  }

  /** `text` on `client` once its connect and earlier statements are done (pg 9 drops its own queue). */
  #send(client: pg.Client, text: string): Promise<unknown> {
    const sent = this.#queue.then(() => client.query(text));
    this.#queue = sent.catch(() => {});
    return sent;
  }

  #all(): Subscriber[] {
    return [...this.#subscribers.values()].flatMap((set) => [...set]);
  }

  #after(ms: number, then: () => void): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(then, ms);
  }

  #connect(): void {
    this.#timer = undefined;
    const client = new pg.Client(this.#config);
    this.#client = client;
    client.on('error', () => this.#drop(client));
    client.on('end', () => this.#drop(client));
    client.on('notification', ({ channel, payload }) => {
      if (channel === this.#probeChannel) {
        const awaiting = this.#awaiting;
        if (awaiting !== undefined && payload === awaiting.payload) awaiting.arrived();
        return;
      }
      for (const { wake } of [...(this.#subscribers.get(`${channel}\0${payload}`) ?? [])]) wake();
    });
    const channels = new Set([...this.#subscribers.keys()].map((key) => key.split('\0')[0]));
    channels.add(this.#probeChannel);
    this.#queue = client.connect();
    this.#send(client, [...channels].map((channel) => `listen "${channel}";`).join('\n'))
      .then(() => {
        if (this.#client !== client) return;
        for (const { wake } of this.#all()) wake();
        this.#probe(client);
      })
      .catch(() => this.#drop(client));
  }

  /**
   * Ends `client` (if it is still the listener) and connects again after the backoff. Its socket is
   * destroyed, not ended: a stopped server would never close its side, and a half-open socket
   * would keep the process alive.
   */
  #drop(client: pg.Client): void {
    if (this.#client !== client || this.#closed) return;
    this.#client = undefined;
    this.#awaiting = undefined;
    void client.end().catch(() => {});
    (client as unknown as { connection?: { stream?: { destroy?(): void } } }).connection?.stream?.destroy?.();
    this.#after(this.#backoff.next(), () => this.#connect());
  }

  /** NOTIFYs the probe channel through a session's pool, and checks that it comes back on `client`. */
  #probe(client: pg.Client): void {
    if (this.#client !== client) return; // a reconnect is pending: its LISTEN starts the next probe
    // Whatever timer is pending now (the one that called this, or the next probe) is this probe's.
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const via = this.#all().find((subscriber) => subscriber.probe);
    if (via === undefined) return; // no session asks for it: the next one that does starts it again
    const payload = String(++this.#probes);
    this.#awaiting = {
      payload,
      arrived: () => {
        this.#awaiting = undefined;
        this.#backoff.reset();
        if (this.#missing) this.#say('notifications arrive again: reading on each NOTIFY');
        this.#missing = false;
        this.#after(PROBE_EVERY_MS, () => this.#probe(client));
      },
    };
    via.notify(this.#probeChannel, payload).then(
      () => {
        // Sent: it must come back within the deadline (unless it already has).
        if (this.#awaiting?.payload !== payload || this.#client !== client) return;
        // The verdict waits for the I/O of this loop turn (setImmediate): a stalled event loop
        // fires the timer before it reads a notification that did come in time.
        this.#after(PROBE_DEADLINE_MS, () =>
          setImmediate(() => {
            if (this.#awaiting?.payload !== payload || this.#client !== client) return;
            if (!this.#missing)
              this.#say(
                'notifications do not arrive (pgbouncer in transaction mode?), reading by poll every {poll} ms; set listen: false behind pgbouncer in transaction mode, or listenProbe: false to stop the probe',
              );
            this.#missing = true;
            this.#drop(client);
          }),
        );
      },
      () => {
        // Not sent (the database is unreachable: the sessions say so): no verdict, try again later.
        if (this.#awaiting?.payload !== payload || this.#client !== client) return;
        this.#awaiting = undefined;
        this.#after(PROBE_EVERY_MS, () => this.#probe(client));
      },
    );
  }

  /** `message` once on each distinct logger, `{poll}` as the shortest poll interval of its sessions. */
  #say(message: string): void {
    const polls = new Map<Logger, number>();
    for (const { logger, pollMs } of this.#all())
      polls.set(logger, Math.min(pollMs, polls.get(logger) ?? pollMs));
    for (const [logger, pollMs] of polls)
      logger.info({ listen: 'probe', pollMs }, message.replace('{poll}', String(pollMs)));
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#forget();
    clearTimeout(this.#timer);
    this.#awaiting = undefined;
    const client = this.#client;
    this.#client = undefined;
    void client?.end().catch(() => {});
  }
}

const listeners = new Map<string, SharedListener>();

/** Calls `subscriber.wake` on each NOTIFY of `election` on `channel`, and after each (re)connect. */
export function listen(
  config: pg.ClientConfig,
  channel: string,
  election: string,
  subscriber: Subscriber,
): Unsubscribe {
  const { user, host, port, database } = targetOf(config);
  const key = `${user}@${host}:${port}/${database}`;
  let listener = listeners.get(key);
  if (listener === undefined) {
    const created: SharedListener = new SharedListener(config, () => {
      if (listeners.get(key) === created) listeners.delete(key);
    });
    listener = created;
    listeners.set(key, listener);
  }
  return listener.subscribe(channel, election, subscriber);
}
