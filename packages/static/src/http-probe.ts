import http from 'node:http';
import https from 'node:https';

/** `<base><path>`, keeping a path prefix the base url may carry (`http://h/app` + `/healthz`). */
export function probeUrl(base: string, path: string): URL {
  const url = new URL(base);
  url.pathname = url.pathname.replace(/\/+$/, '') + path;
  return url;
}

/**
 * One HTTP GET: resolves true on a 2xx answer, false on any other status, a network error or an abort
 * (the caller's timeout). Never rejects, so a dead peer is a result, not an exception. `agent: false`
 * opens a fresh connection that closes after the answer: a prober that held keep-alive sockets would
 * keep peers' servers from shutting down promptly.
 */
export function httpProbe(url: URL, signal: AbortSignal): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    if (signal.aborted) {
      resolve(false);
      return;
    }
    const client = url.protocol === 'https:' ? https : http;
    const request = client.get(url, { agent: false, signal, headers: { accept: '*/*' } }, (response) => {
      const status = response.statusCode ?? 0;
      response.resume();
      response.on('error', () => resolve(false));
      resolve(status >= 200 && status < 300);
    });
    request.on('error', () => resolve(false));
  });
}
