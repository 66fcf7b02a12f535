/**
 * The one place that masks credentials in text core (and every adapter built on the kit) produces:
 * error messages, `state.reason`, `error` events, log lines. A backend client's error often quotes
 * the URL or the request it failed on, with whatever credentials were in it.
 *
 * Backend text can be picked by anyone who can write to the backend (a malformed entry's key is
 * quoted), so every pattern runs in time linear in the text: each repeat is bounded or is followed
 * by something it cannot match, and credential names are recognised by a scan, not by a regex
 * that guesses where a name starts. Text past MAX_MASKED_CHARS is not shown at all.
 */

/** Longer text is cut (at a whitespace, so no credential is cut in half) and says how much was cut. */
export const MAX_MASKED_CHARS = 8192;
/** Room kept under the cap for the "… [N more characters not shown]" marker: masking is idempotent. */
const MARKER_ROOM = 64;

const TEXT_PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  // User-info in URLs: scheme://user:password@host, scheme://token@host, up to the last @ before
  // the host (a hand-built label may hold an unencoded @ in the password). The scheme is at most
  // 32 characters and the user-info stops at whitespace, / ? or #, which every :// holds.
  [/([a-z][a-z0-9+.-]{0,31}:\/\/)[^\s/?#]*@/gi, '$1***@'],
  // Authorization headers quoted back, with or without a scheme: "Authorization: Bearer …". A
  // Digest (or any scheme with parameters) quotes its nonce and response: the rest of the line goes.
  [
    /(\b(?:proxy-)?authorization["']?[ \t]{0,8}[:=][ \t]{0,8}["']?)(?:digest[ \t][^\r\n]*|(?:(?:bearer|basic|token|negotiate)[ \t]{1,8})?[^\s"',;})\]]+)/gi,
    '$1***',
  ],
  // A bearer token anywhere else.
  [/(\bbearer[ \t]{1,8})[A-Za-z0-9._~+/=-]+/gi, '$1***'],
];

/**
 * A field whose name is up to 64 name characters, optionally quoted (an escaped quote too: JSON
 * inside a string), then `:` or `=`: one start per name (the look-behind), at most 64 steps back
 * from each.
 */
const FIELD = /(?<![\w.-])(\\?["']?)([\w.-]{1,64})\\?["']?[ \t]{0,8}[:=][ \t]{0,8}/g;
/** Names that say credential, wherever they stand: query parameters, headers, JSON, YAML, prose. */
const CREDENTIAL_NAME =
  /token|passw(?:or)?d|pwd|secret|api[_-]?key|access[_-]?key|private[_-]?key|credentials?|signature|^(?:auth|sig)$|^x-[\w-]*(?:key|auth)/i;
/** Names whose unquoted value runs to the end of the line (a cookie header lists several). */
const WHOLE_LINE_NAME = /^(?:set-)?cookie$/i;
/** Where an unquoted value ends. */
const VALUE_END = /[\s&#"',;)\]}]/;
const LINE_END = /[\r\n]/;

/** `name` at `start` in `text` names a credential: …key only as a query parameter (?key=, &sigkey=). */
function isCredentialName(name: string, text: string, start: number): boolean {
  if (CREDENTIAL_NAME.test(name) || WHOLE_LINE_NAME.test(name)) return true;
  return /key$/i.test(name) && /[?&;]/.test(text.charAt(start - 1));
}

/** The quote a value at `from` opens with: `"`, `'`, an escaped one (`\"`), or none. */
function openingQuote(text: string, from: number): string {
  const first = text.charAt(from);
  if (first === '"' || first === "'") return first;
  const second = text.charAt(from + 1);
  return first === '\\' && (second === '"' || second === "'") ? first + second : '';
}

/**
 * Where the value at `from` ends, and whether its closing quote is there: after the same quote
 * (backslash escapes skipped), else at the line's end; unquoted, at VALUE_END (or the line's end).
 */
function valueEnd(text: string, from: number, quote: string, wholeLine: boolean): [number, boolean] {
  let at = from + quote.length;
  for (; at < text.length; at++) {
    const char = text.charAt(at);
    if (quote === '') {
      if ((wholeLine ? LINE_END : VALUE_END).test(char)) break;
    } else if (text.startsWith(quote, at)) return [at + quote.length, true];
    else if (LINE_END.test(char)) break;
    else if (char === '\\') at++;
  }
  return [Math.min(at, text.length), false];
}

/** Every `name: value` / `name=value` / `"name": "value"` whose name says credential, value masked. */
function maskFields(text: string): string {
  let out = '';
  let copied = 0;
  FIELD.lastIndex = 0;
  for (let match = FIELD.exec(text); match !== null; match = FIELD.exec(text)) {
    const valueStart = FIELD.lastIndex;
    const name = match[2] ?? '';
    if (!isCredentialName(name, text, match.index + (match[1] ?? '').length)) continue;
    const quote = openingQuote(text, valueStart);
    const [end, closed] = valueEnd(text, valueStart, quote, WHOLE_LINE_NAME.test(name));
    if (end === valueStart) continue;
    out += `${text.slice(copied, valueStart)}${quote}***${closed ? quote : ''}`;
    copied = end;
    FIELD.lastIndex = end;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** The first MAX_MASKED_CHARS of `text`, cut at a whitespace, and how much was left out. */
function capped(text: string): string {
  if (text.length <= MAX_MASKED_CHARS) return text;
  const head = text.slice(0, MAX_MASKED_CHARS - MARKER_ROOM);
  const cut = Math.max(head.lastIndexOf(' '), head.lastIndexOf('\n'), head.lastIndexOf('\t'));
  const kept = cut < 0 ? '' : head.slice(0, cut);
  return `${kept} … [${text.length - kept.length} more characters not shown]`;
}

/** `text` masked, whatever its length: linear time (exported for the tests that measure it). */
export function maskUncapped(text: string): string {
  let masked = text;
  for (const [pattern, replacement] of TEXT_PATTERNS) masked = masked.replace(pattern, replacement);
  return maskFields(masked);
}

/**
 * `text` with anything credential-like replaced by `***`, and cut to MAX_MASKED_CHARS. Idempotent.
 * Masked: user-info in URLs; Authorization and Proxy-Authorization values (a Digest's parameters
 * too); bearer tokens; Cookie and Set-Cookie values; the value of any field whose name says
 * credential (token, password, passwd, pwd, secret, api key, access key, private key, credential,
 * signature, auth, sig, X-…-Key, X-…-Auth), as `name=value`, `name: value`, or quoted JSON/YAML,
 * and of any query parameter named …key.
 */
export function maskSecrets(text: string): string {
  return maskUncapped(capped(text));
}
