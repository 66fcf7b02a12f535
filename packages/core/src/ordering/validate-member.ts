import type { Member } from '../contracts/member.js';
import { ConfigurationError, InvalidIdError } from '../errors.js';

export const MAX_ID_BYTES = 255;

/** UTF-8 length without Buffer or TextEncoder, so core stays runtime-neutral. */
function utf8Length(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const cp = char.codePointAt(0) ?? 0;
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/** C0, DEL and C1 control characters: invisible in logs and keys, and a hazard in key paths. */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x20 || (unit >= 0x7f && unit <= 0x9f)) return true;
  }
  return false;
}

/** Throws InvalidIdError unless `id` is a valid member id; returns it otherwise. */
export function validateId(id: unknown, source?: string): string {
  const options = source === undefined ? undefined : { source };
  if (typeof id !== 'string') {
    throw new InvalidIdError(`A member id must be a string, got ${typeof id}. Pass id: "<name>".`, options);
  }
  if (id.length === 0) {
    throw new InvalidIdError('A member id must not be empty. Pass a non-empty id such as "node-1".', options);
  }
  if (!id.isWellFormed()) {
    throw new InvalidIdError(
      `Member id ${JSON.stringify(id)} contains a lone UTF-16 surrogate and has no UTF-8 form. Use valid Unicode text.`,
      options,
    );
  }
  const bytes = utf8Length(id);
  if (bytes > MAX_ID_BYTES) {
    throw new InvalidIdError(
      `Member id is ${bytes} UTF-8 bytes long; the limit is ${MAX_ID_BYTES}. Shorten it.`,
      options,
    );
  }
  if (id.includes('/')) {
    throw new InvalidIdError(
      `Member id ${JSON.stringify(id)} contains "/", which separates key segments in backends. Remove it.`,
      options,
    );
  }
  if (hasControlCharacter(id)) {
    throw new InvalidIdError(
      `Member id ${JSON.stringify(id)} contains a control character. Use printable characters only.`,
      options,
    );
  }
  return id;
}

/** Throws unless `member` is a well-formed Member (valid id, finite priority, string-only meta). */
export function validateMember(member: Member, source?: string): Member {
  const options = source === undefined ? undefined : { source };
  validateId(member.id, source);
  if (
    member.priority !== undefined &&
    (typeof member.priority !== 'number' || !Number.isFinite(member.priority))
  ) {
    throw new ConfigurationError(
      `priority of "${member.id}" must be a finite number (lower leads first), got ${String(member.priority)}.`,
      options,
    );
  }
  if (member.observer !== undefined && typeof member.observer !== 'boolean') {
    throw new ConfigurationError(`observer of "${member.id}" must be true or false.`, options);
  }
  if (member.meta !== undefined) {
    if (typeof member.meta !== 'object' || member.meta === null || Array.isArray(member.meta)) {
      throw new ConfigurationError(`meta of "${member.id}" must be an object of string values.`, options);
    }
    for (const [key, value] of Object.entries(member.meta)) {
      if (typeof value !== 'string') {
        throw new ConfigurationError(
          `meta.${key} of "${member.id}" must be a string, got ${typeof value}. Convert it with String().`,
          options,
        );
      }
    }
  }
  return member;
}
