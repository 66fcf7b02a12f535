import { SimulatorHttpError } from './simulator-error.js';

/**
 * Key-name validation of the Consul versions that have it, each answered with that version's status
 * and text (hashicorp/consul, agent/kvs_endpoint.go):
 * - `v1.21.5` (PR #22682): keys must match `^[a-zA-Z0-9,_./\-?&=]+$` and hold no ".."; otherwise
 *   500 "invalid key name, keys should respect the … format".
 * - `strict`: `validateKVKey` as it stood on main after that (only `a-zA-Z0-9,-_./`, no leading "/",
 *   no "../" nor "..\\", no URL-encoded traversal, no name ending in a "suspicious" extension such
 *   as ".js", ".json", ".com"), 400 with its texts.
 * - `current` (the fix of PR #22850, backported in #22931/#22939, with the agent option
 *   `disable_kv_key_validation`): every character is allowed again; refused are path traversal,
 *   plain or URL-encoded, and leading or trailing spaces, 400. The wording of the space rule is the
 *   simulator's own (not read from Consul's source); the adapter does not depend on it.
 * - `union` (the `strictKeys` option): every rejection of `v1.21.5` and `strict` at once, so a key
 *   passing it passes both.
 */
export type KeyValidation = 'none' | 'v1.21.5' | 'strict' | 'current' | 'union';

const SUSPICIOUS_EXTENSIONS = [
  '.js',
  '.css',
  '.html',
  '.htm',
  '.xml',
  '.json',
  '.txt',
  '.log',
  '.php',
  '.asp',
  '.jsp',
  '.cgi',
  '.pl',
  '.py',
  '.rb',
  '.sh',
  '.exe',
  '.dll',
  '.bat',
  '.cmd',
  '.com',
  '.scr',
  '.vbs',
  '.pdf',
  '.doc',
  '.docx',
  '.xls',
  '.xlsx',
  '.ppt',
  '.pptx',
  '.zip',
  '.rar',
  '.tar',
  '.gz',
  '.7z',
  '.bz2',
  '.jpg',
  '.jpeg',
  '.png',
  '.gif',
  '.svg',
  '.ico',
  '.bmp',
  '.mp3',
  '.mp4',
  '.avi',
  '.mov',
  '.wmv',
  '.flv',
  '.swf',
  '.woff',
  '.woff2',
  '.ttf',
  '.eot',
  '.otf',
];

const V1_21_5 = /^[a-zA-Z0-9,_./\-?&=]+$/;
const ENCODED_TRAVERSAL = ['%2e%2e%2f', '%2e%2e/', '..%2f', '%2e%2e%5c'];

function refuseV1215(key: string): void {
  if (!V1_21_5.test(key) || key.includes('..')) {
    throw new SimulatorHttpError(500, `invalid key name, keys should respect the ${V1_21_5.source} format`);
  }
}

function refuseTraversal(key: string, anyDots: boolean): void {
  if ((anyDots && key.includes('..')) || key.includes('../') || key.includes('..\\'))
    throw new SimulatorHttpError(400, 'key contains path traversal sequence');
  const lower = key.toLowerCase();
  if (ENCODED_TRAVERSAL.some((sequence) => lower.includes(sequence)))
    throw new SimulatorHttpError(400, 'key contains encoded path traversal sequence');
}

function refuseStrict(key: string, anyDots: boolean): void {
  if (key.startsWith('/')) throw new SimulatorHttpError(400, "key must not begin with a '/'");
  let position = 0;
  for (const char of key) {
    if (!/^[a-zA-Z0-9,\-_./]$/.test(char)) {
      throw new SimulatorHttpError(
        400,
        `key contains invalid character '${char}' at position ${position}. Only alphanumeric characters and ,-_./ are allowed`,
      );
    }
    position += Buffer.byteLength(char);
  }
  refuseTraversal(key, anyDots);
  const lower = key.toLowerCase();
  const extension = SUSPICIOUS_EXTENSIONS.find((ext) => lower.endsWith(ext));
  if (extension !== undefined) {
    throw new SimulatorHttpError(
      400,
      `key contains suspicious file extension '${extension}' that may be cached by proxies`,
    );
  }
}

/** Throws the agent's answer when `mode` refuses `key` (a non-empty key from the URL path). */
export function validateKey(key: string, mode: KeyValidation): void {
  switch (mode) {
    case 'none':
      return;
    case 'v1.21.5':
      refuseV1215(key);
      return;
    case 'strict':
      refuseStrict(key, false);
      return;
    case 'current':
      refuseTraversal(key, false);
      if (key !== key.trim()) throw new SimulatorHttpError(400, 'key must not begin or end with a space');
      return;
    case 'union':
      refuseStrict(key, true);
      refuseV1215(key);
  }
}
