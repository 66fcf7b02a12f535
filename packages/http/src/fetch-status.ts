import http from 'node:http';
import https from 'node:https';

/** Bodies larger than this are not a status: the answer is cut off and reported as an error. */
const MAX_BODY_BYTES = 256 * 1024;

/**
 * GET `url` and parse its JSON body, within `timeoutMs` in all (connect, headers, body). A fresh
 * connection each time (no agent), closed after the answer: nothing is left open that would keep
 * the process alive. Errors are short and never carry the URL (which is in the member's metadata,
 * and could carry credentials someone put there).
 */
export function fetchJson(url: string, timeoutMs: number): Promise<unknown> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return Promise.reject(new Error('its status URL is not a URL'));
  }
  const client = parsed.protocol === 'http:' ? http : parsed.protocol === 'https:' ? https : undefined;
  if (!client) return Promise.reject(new Error('its status URL is not http(s)'));
  return new Promise((resolve, reject) => {
    const request = client.get(parsed, { agent: false, headers: { accept: 'application/json' } });
    const timer = setTimeout(() => {
      request.destroy(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      const code = (error as { code?: unknown }).code;
      reject(
        new Error(
          typeof code === 'string' && code !== 'ECONNRESET' ? `unreachable (${code})` : error.message,
        ),
      );
    };
    request.once('error', fail);
    request.once('response', (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        request.destroy();
        fail(new Error(`answered HTTP ${response.statusCode}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) request.destroy(new Error('answered more than a status'));
        else chunks.push(chunk);
      });
      response.once('end', () => {
        clearTimeout(timer);
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch {
          reject(new Error('answered something that is not JSON'));
        }
      });
      response.once('error', fail);
    });
  });
}
