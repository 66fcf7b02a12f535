import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP relay on 127.0.0.1 in front of another loopback port: what a test puts between one node and
 * its backend (to cut that node off alone) or in front of a node's HTTP server (to reach it by
 * another address). Bytes pass through untouched, so gRPC (etcd) and HTTP both work through it.
 */
export interface TcpRelay {
  /** The relay's own port on 127.0.0.1. */
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Cuts every open connection and refuses new ones (the port stays reserved for restore()). */
  cut(): Promise<void>;
  /** Accepts connections again, on the same port. */
  restore(): Promise<void>;
  /** cut(), for good. */
  close(): Promise<void>;
  /** Connections accepted so far. */
  accepted(): number;
  /**
   * Holds every later chunk from the target back by `ms` before the client gets it (answers come
   * late, requests arrive at once), in order; 0 restores prompt delivery.
   */
  delay(ms: number): void;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}

/** Starts a relay from a free port on 127.0.0.1 to `127.0.0.1:targetPort`. */
export async function startTcpRelay(targetPort: number): Promise<TcpRelay> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  let delayMs = 0;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const open = (): Server =>
    createServer((client) => {
      accepted++;
      const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
      track(client);
      track(upstream);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.pipe(upstream);
      upstream.on('data', (chunk: Buffer) => toClient(chunk));
      upstream.on('end', () => toClient(null));
      // Chunks leave in arrival order, each no earlier than its arrival plus the delay of the time.
      const queue: Array<{ chunk: Buffer | null; due: number }> = [];
      let timer: NodeJS.Timeout | undefined;
      const drain = () => {
        timer = undefined;
        while (queue[0] !== undefined && queue[0].due <= performance.now()) {
          const { chunk } = queue.shift() as { chunk: Buffer | null };
          if (chunk === null) client.end();
          else client.write(chunk);
        }
        if (queue[0] !== undefined) timer = setTimeout(drain, queue[0].due - performance.now());
      };
      function toClient(chunk: Buffer | null): void {
        queue.push({ chunk, due: performance.now() + delayMs });
        if (timer === undefined) drain();
      }
      client.once('close', () => clearTimeout(timer));
    });
  let server: Server | undefined = open();
  const port = await listen(server, 0);

  async function cut(): Promise<void> {
    const current = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
  }

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    cut,
    async restore() {
      if (server) return;
      const next = open();
      await listen(next, port);
      server = next;
    },
    close: cut,
    accepted: () => accepted,
    delay(ms) {
      if (!(Number.isFinite(ms) && ms >= 0)) throw new Error(`delay(ms): ms must be >= 0, got ${ms}`);
      delayMs = ms;
    },
  };
}
