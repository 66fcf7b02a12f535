import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HttpServer {
  /** `http://host:port`, with the port actually bound. */
  readonly url: string;
  close(): Promise<void>;
}

function urlOf(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/** Listens on `listen` (port 0: a free one) and resolves once bound; rejects on EADDRINUSE and the like. */
export async function listenHttp(
  listener: http.RequestListener,
  listen: { readonly host: string; readonly port: number },
  onError: (error: unknown) => void,
): Promise<HttpServer> {
  const server = http.createServer(listener);
  // Probes of peers should not hold connections open across a shutdown.
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', onError);
  return {
    url: urlOf(server.address() as AddressInfo),
    close: () =>
      new Promise<void>((resolve) => {
        // Live pages keep an /events stream open: end them rather than wait for them.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
