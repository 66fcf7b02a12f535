import { SimulatorHttpError } from './simulator-error.js';

/**
 * The strict key validation of a current Consul agent, as `validateKVKey` in agent/kvs_endpoint.go
 * (hashicorp/consul) does it: only `a-zA-Z0-9,-_./`, no leading "/", no "../", and no name ending
 * in an extension a caching proxy might serve (".js", ".json", ".com", …), each answered 400 with
 * Consul's text. Consul 1.21.5 (PR #22682) was stricter about ".." (rejected anywhere) and looser
 * about `?&=`; this mode applies the union of the rejections, so a key passing it passes both.
 */
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

export function validateKeyStrictly(key: string): void {
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
  if (key.includes('..')) throw new SimulatorHttpError(400, 'key contains path traversal sequence');
  const lower = key.toLowerCase();
  const extension = SUSPICIOUS_EXTENSIONS.find((ext) => lower.endsWith(ext));
  if (extension !== undefined) {
    throw new SimulatorHttpError(
      400,
      `key contains suspicious file extension '${extension}' that may be cached by proxies`,
    );
  }
}
