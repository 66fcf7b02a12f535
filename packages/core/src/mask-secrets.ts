/**
 * The one place that masks credentials in text core (and every adapter built on the kit) produces:
 * error messages, `state.reason`, `error` events, log lines. A backend client's error often quotes
 * the URL or the request it failed on, with whatever credentials were in it.
 */
const SECRET_PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  // User-info in URLs: scheme://user:password@host, scheme://token@host.
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi, '$1***@'],
  // Authorization headers quoted back, with or without a scheme: "Authorization: Bearer …".
  [
    /(\b(?:proxy-)?authorization["']?\s*[:=]\s*["']?)(?:(?:bearer|basic|digest|token|negotiate)\s+)?[^\s"',;})\]]+/gi,
    '$1***',
  ],
  // A bearer token anywhere else.
  [/(\bbearer\s+)[A-Za-z0-9._~+/=-]+/gi, '$1***'],
  // Token headers (X-Consul-Token, X-Vault-Token, X-API-Key, …) as "name: value" or "name=value".
  [/(\bx-[\w-]*(?:token|key|secret|auth)[\w-]*["']?\s*[:=]\s*["']?)[^\s"',;})\]]+/gi, '$1***'],
  // name=value pairs whose name says credential: query parameters (?token=, &password=, api_key=,
  // access_token=, client_secret=, sslpassword=, …) and the same in plain text.
  [
    /(\b[\w.-]*?(?:token|passw(?:or)?d|pwd|secret|api[_-]?key|access[_-]?key|private[_-]?key|credentials?|signature)=)[^\s&#"',;)\]]+/gi,
    '$1***',
  ],
  // Any query parameter named …key (?key=, &sigkey=): in a URL a key is a credential; in prose
  // ("key=/election/leader") it is not, so only after ? & or ;.
  [/([?&;][\w.-]*key=)[^\s&#"',;)\]]+/gi, '$1***'],
  // The same names as quoted JSON fields: "password": "…".
  [
    /(["'][\w.-]*?(?:token|passw(?:or)?d|secret|api[_-]?key|access[_-]?key|private[_-]?key|credentials?)["']\s*:\s*["'])[^"']*/gi,
    '$1***',
  ],
];

/** `text` with anything credential-like replaced by `***`. Idempotent. */
export function maskSecrets(text: string): string {
  let masked = text;
  for (const [pattern, replacement] of SECRET_PATTERNS) masked = masked.replace(pattern, replacement);
  return masked;
}

/**
 * Masks `error`'s message and stack in place when they carry a credential, and returns it: an
 * error a backend raised (say a custom backend's own ElectionError) reaches state.reason, events
 * and logs only masked. Its `cause` is kept as thrown, for debugging; core never logs it unmasked.
 */
export function maskError<E extends Error>(error: E): E {
  const message = maskSecrets(error.message);
  if (message !== error.message) {
    Object.defineProperty(error, 'message', { value: message, writable: true, configurable: true });
  }
  if (typeof error.stack === 'string') {
    const stack = maskSecrets(error.stack);
    if (stack !== error.stack) {
      Object.defineProperty(error, 'stack', { value: stack, writable: true, configurable: true });
    }
  }
  return error;
}

/**
 * What core hands its logger as `err`: a copy of `error` with the message, the stack and the
 * whole cause chain masked (a pino serializer would print the causes too), and the `code`.
 */
export function errorForLog(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error)) return typeof error === 'string' ? maskSecrets(error) : error;
  const copy = new Error(maskSecrets(error.message));
  copy.name = error.name;
  copy.stack = typeof error.stack === 'string' ? maskSecrets(error.stack) : copy.stack;
  const code = (error as { code?: unknown }).code;
  if (code !== undefined) Object.assign(copy, { code });
  if (error.cause !== undefined && depth < 5) copy.cause = errorForLog(error.cause, depth + 1);
  return copy;
}
