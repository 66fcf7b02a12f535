import { maskSecrets } from './mask-secrets.js';

/**
 * Errors with their credentials masked: the message, the stack, every own property (an
 * ElectionError's source and retryInMs, a DuplicateMemberError's memberId, an AggregateError's
 * errors) and the whole `cause` chain. util.inspect prints every [cause] and pino's err serializer
 * joins the cause messages, so a raw cause anywhere in what core hands out would leak.
 */

/** How deep a cause chain (or nested errors/objects) is copied; deeper, it is left out. */
const MAX_DEPTH = 5;

/** `value` with every string in it masked: errors and plain objects copied, other objects named only. */
function maskValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return maskSecrets(value);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return depth > MAX_DEPTH ? undefined : maskedCopy(value, depth);
  if (depth > MAX_DEPTH) return undefined;
  if (Array.isArray(value)) return value.map((item) => maskValue(item, depth + 1));
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    // A client's own object (request metadata, a socket): its contents are not printed.
    return `[${(proto as { constructor?: { name?: string } }).constructor?.name ?? 'object'}]`;
  }
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) copy[key] = maskValue(readOwn(value, key), depth + 1);
  return copy;
}

function readOwn(object: object, key: string): unknown {
  try {
    return (object as Record<string, unknown>)[key];
  } catch {
    return undefined; // a throwing getter
  }
}

/** The masked value of `error`'s own property `key`. */
function maskProperty(key: string, value: unknown, depth: number): unknown {
  if (key === 'message' || key === 'stack') return typeof value === 'string' ? maskSecrets(value) : value;
  return maskValue(value, depth + 1);
}

/** A masked copy of `error`: a native error of the same class, every own property masked. */
function maskedCopy<E extends Error>(error: E, depth: number): E {
  const copy = new Error(maskSecrets(String(readOwn(error, 'message') ?? '')));
  Object.setPrototypeOf(copy, Object.getPrototypeOf(error));
  for (const key of Object.getOwnPropertyNames(error)) {
    const enumerable = Object.getOwnPropertyDescriptor(error, key)?.enumerable ?? false;
    const value = maskProperty(key, readOwn(error, key), depth);
    Object.defineProperty(copy, key, { value, enumerable, writable: true, configurable: true });
  }
  return copy as E;
}

/**
 * `error` with its credentials masked, as the error to hand on: masked in place (its message,
 * stack, own properties, and its cause replaced by a masked copy of the chain) when it can be;
 * when it cannot (a frozen or sealed error), a masked copy of the same class. Never throws. The
 * raw cause is not kept.
 */
export function maskError<E extends Error>(error: E): E {
  // Masked every time, never remembered as masked: an adapter may reuse an error object and
  // rewrite its message after core masked it once (masking is idempotent, so this costs a scan).
  try {
    for (const key of Object.getOwnPropertyNames(error)) {
      const value = readOwn(error, key);
      const next = maskProperty(key, value, 0);
      if (next === value) continue;
      const enumerable = Object.getOwnPropertyDescriptor(error, key)?.enumerable ?? false;
      Object.defineProperty(error, key, { value: next, enumerable, writable: true, configurable: true });
    }
    return error;
  } catch {
    return maskedCopy(error, 0);
  }
}

/**
 * What core hands its logger as `err`: a masked copy of `error` (see maskError), leaving the
 * error itself as it is; a string is masked, anything else passes.
 */
export function errorForLog(error: unknown): unknown {
  if (error instanceof Error) return maskedCopy(error, 0);
  return typeof error === 'string' ? maskSecrets(error) : error;
}
