import { lookup } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isMetadataAddress, REFUSED_ADDRESS } from './status-url.js';

/** Bodies larger than this are not a status: the answer is cut off and reported as an error. */
const MAX_BODY_BYTES = 256 * 1024;

/**
 * dns.lookup, refusing a name that resolves to a link-local or metadata address (a DNS name is
 * checked where it is resolved, so a name pointing at 169.254.169.254 is refused like the literal).
 */
export const lookupRefusingMetadata: LookupFunction = (hostname, options, callback) => {
  lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '', 0);
    const refused = addresses.find((entry) => isMetadataAddress(entry.address));
    if (refused) return callback(Object.assign(new Error(REFUSED_ADDRESS), { code: undefined }), '', 0);
    if (options.all) return (callback as unknown as (e: null, a: typeof addresses) => void)(null, addresses);
    const first = addresses[0];
    if (!first) return callback(Object.assign(new Error('no address'), { code: 'ENOTFOUND' }), '', 0);
    callback(null, first.address, first.family);
  });
};

/**
 * GET `url` and parse its JSON body, within `timeoutMs` in all (connect, headers, body). A fresh
 * connection each time (no agent), closed after the answer: nothing is left open that would keep
 * the process alive. Errors are short and never carry the URL (which is in the member's metadata,
 * and could carry credentials someone put there).
 */
export function fetchJson(
  parsed: URL,
  timeoutMs: number,
  options: { readonly refuseMetadata: boolean },
): Promise<unknown> {
  const client = parsed.protocol === 'http:' ? http : parsed.protocol === 'https:' ? https : undefined;
  if (!client) return Promise.reject(new Error('its status URL is not http(s)'));
  return new Promise((resolve, reject) => {
    const request = client.get(parsed, {
      agent: false,
      headers: { accept: 'application/json' },
      ...(options.refuseMetadata ? { lookup: lookupRefusingMetadata } : {}),
    });
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
