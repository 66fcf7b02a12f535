import { maskSecrets } from './mask-secrets.js';

/**
 * Errors with their credentials masked: the message, the stack, every own property, string- or
 * symbol-keyed (an ElectionError's source and retryInMs, a DuplicateMemberError's memberId, an
 * AggregateError's errors) and the whole `cause` chain. util.inspect prints every [cause] and
 * every own symbol-keyed property, and pino's err serializer joins the cause messages, so a raw
 * value anywhere in what core hands out would leak.
 *
 * Total: a value that cannot be read or inspected (a revoked Proxy, a getter or a Proxy trap that
 * throws) becomes UNREADABLE instead of an exception. Each object is copied once per call (a
 * per-call map from original to copy), so an error graph with shared nodes or cycles costs its
 * size, not its number of paths, and a cycle maps to the copy.
 */

/** How deep a cause chain (or nested errors/objects) is copied; deeper, it is left out. */
const MAX_DEPTH = 5;
/** What stands for a value that could not be read or inspected. */
const UNREADABLE = '[unreadable]';
/** The properties util.inspect and pino print an error by, whether own or inherited (a getter). */
const TEXT_KEYS = ['message', 'stack'] as const;
/** How far up a prototype chain an inherited accessor is looked for. */
const MAX_PROTOTYPES = 32;
/** An array's first items copied; the rest are counted, not copied (a huge `length` is cheap to fake). */
const MAX_ITEMS = 1000;

/** Originals already masked in this call, to what stands for them (a copy, or the error itself). */
type Copies = WeakMap<object, unknown>;

function read(object: object, key: PropertyKey): unknown {
  try {
    return Reflect.get(object, key);
  } catch {
    return UNREADABLE; // a throwing getter or Proxy trap
  }
}

/** The value of `object`'s own property `key`, read once (a data value without calling a getter). */
function ownValue(object: object, key: PropertyKey, descriptor: PropertyDescriptor | undefined): unknown {
  if (descriptor === undefined) return UNREADABLE;
  return 'value' in descriptor ? descriptor.value : read(object, key);
}

function ownDescriptor(object: object, key: PropertyKey): PropertyDescriptor | undefined {
  try {
    return Object.getOwnPropertyDescriptor(object, key);
  } catch {
    return undefined;
  }
}

/** `key` to show: a string key masked; a symbol whose description holds a credential, undefined. */
function maskedKey(key: PropertyKey): PropertyKey | undefined {
  if (typeof key === 'string') return maskSecrets(key);
  if (typeof key !== 'symbol' || key.description === undefined) return key;
  return maskSecrets(key.description) === key.description ? key : undefined;
}

/** `value` with every string in it masked: errors and plain objects copied, other objects named only. */
function maskValue(value: unknown, depth: number, copies: Copies): unknown {
  if (typeof value === 'string') return maskSecrets(value);
  if (typeof value === 'symbol') {
    const { description } = value;
    if (description === undefined) return value;
    const masked = maskSecrets(description);
    return masked === description ? value : Symbol(masked);
  }
  if (value === null || typeof value !== 'object') return value;
  if (copies.has(value)) return copies.get(value);
  if (depth > MAX_DEPTH) return undefined;
  try {
    return maskObject(value, depth, copies);
  } catch {
    copies.set(value, UNREADABLE); // a revoked Proxy, a trap that throws
    return UNREADABLE;
  }
}

function maskObject(value: object, depth: number, copies: Copies): unknown {
  if (value instanceof Error) return maskedCopy(value, depth, copies);
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    copies.set(value, copy);
    const length = Number(read(value, 'length')) || 0;
    const shown = Math.min(length, MAX_ITEMS);
    for (let i = 0; i < shown; i++) copy.push(maskValue(read(value, i), depth + 1, copies));
    if (length > shown) copy.push(`[${length - shown} more items not shown]`);
    return copy;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    // A client's own object (request metadata, a socket): its contents are not printed.
    const maker = read(proto, 'constructor');
    const name = typeof maker === 'function' ? read(maker, 'name') : undefined;
    const named = `[${typeof name === 'string' ? maskSecrets(name) : 'object'}]`;
    copies.set(value, named);
    return named;
  }
  const copy: Record<PropertyKey, unknown> = {};
  copies.set(value, copy);
  copyOwn(value, copy, depth, copies);
  return copy;
}

/**
 * Every own property of `from` onto `to`, keys and values masked (a value that throws: UNREADABLE).
 * Throws only when `from`'s keys cannot be listed (an ownKeys trap that throws).
 */
function copyOwn(from: object, to: object, depth: number, copies: Copies): void {
  for (const key of Reflect.ownKeys(from)) {
    const shown = maskedKey(key);
    if (shown === undefined) continue;
    const descriptor = ownDescriptor(from, key);
    const value = maskValue(ownValue(from, key, descriptor), depth + 1, copies);
    const enumerable = descriptor?.enumerable ?? false;
    Object.defineProperty(to, shown, { value, enumerable, writable: true, configurable: true });
  }
}

/**
 * Enumerable properties `error` inherits (a class that puts one on its prototype): pino's error
 * serializer walks them with for...in, so each gets an own masked data property that shadows it.
 */
function shadowInherited(error: Error, target: object, depth: number, copies: Copies): void {
  for (const key in error) {
    if (hasOwn(error, key) || hasOwn(target, key)) continue;
    const shown = maskedKey(key);
    if (shown === undefined) continue;
    const value = maskValue(read(error, key), depth + 1, copies);
    Object.defineProperty(target, shown, { value, enumerable: true, writable: true, configurable: true });
  }
}

/** `object`'s `key` is inherited through a getter (or its prototype chain cannot be walked). */
function inheritsAccessor(object: object, key: PropertyKey): boolean {
  try {
    let proto = Object.getPrototypeOf(object);
    for (let step = 0; proto !== null && step < MAX_PROTOTYPES; step++) {
      const descriptor = Object.getOwnPropertyDescriptor(proto, key);
      if (descriptor !== undefined) return !('value' in descriptor);
      proto = Object.getPrototypeOf(proto);
    }
    return proto !== null;
  } catch {
    return true;
  }
}

function hasOwn(object: object, key: PropertyKey): boolean {
  try {
    return Object.hasOwn(object, key);
  } catch {
    return false;
  }
}

/** A masked copy of `error`: a native error of the same class, every own property masked. */
function maskedCopy(error: Error, depth: number, copies: Copies): Error {
  const copy = new Error();
  copies.set(error, copy);
  let proto: object | null = Error.prototype;
  try {
    proto = Object.getPrototypeOf(error);
  } catch {
    // a getPrototypeOf trap that throws: a plain Error
  }
  Object.setPrototypeOf(copy, proto);
  try {
    copyOwn(error, copy, depth, copies);
  } catch {
    // its keys cannot be listed: its message and stack only (below)
  }
  for (const key of TEXT_KEYS) {
    if (hasOwn(error, key)) continue;
    // Inherited (a getter on the prototype): the copy gets it as its own, masked.
    const value = read(error, key);
    if (value === undefined)
      Reflect.deleteProperty(copy, key); // no stack of core's frames
    else Object.defineProperty(copy, key, maskedData(maskValue(value, depth + 1, copies)));
  }
  try {
    shadowInherited(error, copy, depth, copies);
  } catch {
    // its inherited keys cannot be walked: left as the copy's prototype has them
  }
  return copy;
}

function maskedData(value: unknown): PropertyDescriptor {
  return { value, enumerable: false, writable: true, configurable: true };
}

/** Masks `error` in place; throws when it cannot (a frozen or sealed error, a Proxy). */
function maskInPlace(error: Error): void {
  const copies: Copies = new WeakMap([[error, error]]);
  for (const key of Reflect.ownKeys(error)) {
    const descriptor = Object.getOwnPropertyDescriptor(error, key);
    if (descriptor === undefined) continue;
    const value = ownValue(error, key, descriptor);
    const next = maskValue(value, 1, copies);
    const shown = maskedKey(key);
    // A getter becomes a data property: what it would return later is not masked.
    if (shown === key && next === value && 'value' in descriptor) continue;
    if (shown !== key && !Reflect.deleteProperty(error, key)) throw new TypeError('not configurable');
    if (shown === undefined) continue;
    const enumerable = descriptor.enumerable ?? false;
    Object.defineProperty(error, shown, { value: next, enumerable, writable: true, configurable: true });
  }
  for (const key of TEXT_KEYS) {
    if (Object.hasOwn(error, key)) continue;
    // Inherited: a getter on the prototype (or a prototype's value holding a credential) is
    // shadowed by an own masked data property.
    const value = read(error, key);
    const next = maskValue(value, 1, copies);
    if (next !== value || inheritsAccessor(error, key)) Object.defineProperty(error, key, maskedData(next));
  }
  shadowInherited(error, error, 0, copies);
  // What a reader gets must be masked, not only what the descriptors hold (a Proxy's get trap can
  // answer otherwise): when it is not, the caller falls back to a copy built from the descriptors.
  for (const key of TEXT_KEYS) {
    const shown = read(error, key);
    if (typeof shown === 'string' && maskSecrets(shown) !== shown) throw new TypeError('reads unmasked');
  }
}

/** The last resort when even a copy fails: an error that says only that it could not be read. */
function unreadableError(): Error {
  return new Error(UNREADABLE);
}

/**
 * `error` with its credentials masked, as the error to hand on: masked in place (its message,
 * stack, own properties, and its cause replaced by a masked copy of the chain) when it can be;
 * when it cannot (a frozen or sealed error, a Proxy), a masked copy of the same class. Never
 * throws. The raw cause is not kept.
 */
export function maskError<E extends Error>(error: E): E {
  // Masked every time, never remembered as masked: an adapter may reuse an error object and
  // rewrite its message after core masked it once (masking is idempotent, so this costs a scan).
  try {
    maskInPlace(error);
    return error;
  } catch {
    try {
      return maskedCopy(error, 0, new WeakMap()) as E;
    } catch {
      return unreadableError() as E;
    }
  }
}

/**
 * What core hands its logger as `err`: a masked copy of `error` (see maskError), leaving the
 * error itself as it is; a string is masked, a plain object copied masked, another object named
 * only, anything else passes. Never throws.
 */
export function errorForLog(error: unknown): unknown {
  try {
    return maskValue(error, 0, new WeakMap());
  } catch {
    return UNREADABLE;
  }
}
