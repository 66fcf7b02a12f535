import type { Member } from '../contracts/member.js';
import { ElectionError, MalformedEntryError } from '../errors.js';
import { validateMember } from '../ordering/validate-member.js';

/**
 * A member record as stored text (JSON), written once for every backend: the value of a member
 * key (etcd, Consul) or a row's column (PostgreSQL). Where the bytes come from is the adapter's
 * business: `decode` gets the text and the id it is registered under (the key's last segment, the
 * row's id column), and says why a record is not a usable registration instead of throwing, so a
 * reader skips it and reports it (MalformedReporter).
 */
export interface MemberCodec {
  encode(member: Member): string;
  /** The member `value` holds, registered under `id`; or why it is not one. Never throws. */
  decode(value: string | null | undefined, id: string): DecodedMember;
  /** A MalformedEntryError for `key` (a key, a row's id) with the adapter's wording of `reason`. */
  malformed(key: string, reason: string, cause?: unknown): MalformedEntryError;
}

export type DecodedMember =
  | { readonly member: Member }
  | { readonly reason: string; readonly cause?: unknown };

/** Why a stored value is not a member record, in the adapter's words (part of its API). */
export interface MemberCodecReasons {
  /** No value at all (null, empty). Default: read as text that is not JSON. */
  readonly empty?: string;
  readonly notJson: string;
  readonly notObject: string;
  /** The record's id (as stored) differs from the id it is registered under. */
  readonly idMismatch: (stored: unknown) => string;
}

export interface MemberCodecOptions {
  /** Error source of the MalformedEntryError, and of the validation message when `sourceInReason`. */
  readonly source: string;
  /**
   * `full`: every field, defaults written out (`etcdctl get` shows the whole registration);
   * `compact`: only what differs from the defaults. Default `compact`.
   */
  readonly form?: 'full' | 'compact';
  /** A field stored as null: `absent` (as if missing) or `invalid` (the record is malformed). Default `invalid`. */
  readonly nulls?: 'absent' | 'invalid';
  readonly reasons: MemberCodecReasons;
  /** A field's validation message names the adapter's source (else core's). Default false. */
  readonly sourceInReason?: boolean;
  /** The message of a MalformedEntryError for `key`. Default: "Skipping malformed entry <key>: <reason>." */
  readonly message?: (key: string, reason: string) => string;
}

const FIELDS = ['priority', 'observer', 'meta'] as const;

export function memberCodec(options: MemberCodecOptions): MemberCodec {
  const { source, reasons } = options;
  const full = options.form === 'full';
  return {
    encode: (member) =>
      JSON.stringify({
        id: member.id,
        ...(full || member.priority !== undefined ? { priority: member.priority ?? 0 } : {}),
        ...(full || member.observer ? { observer: member.observer ?? false } : {}),
        ...(full || member.meta !== undefined ? { meta: member.meta ?? {} } : {}),
      }),
    decode(value, id) {
      if ((value === null || value === undefined || value.length === 0) && reasons.empty !== undefined)
        return { reason: reasons.empty };
      let parsed: unknown;
      try {
        parsed = JSON.parse(value ?? '');
      } catch (cause) {
        return { reason: reasons.notJson, cause };
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        return { reason: reasons.notObject };
      const record = parsed as Record<string, unknown>;
      if (record.id !== id) return { reason: reasons.idMismatch(record.id) };
      // Unknown fields are tolerated (a newer version may add some); known ones must be valid.
      const member: Record<string, unknown> = { id };
      for (const field of FIELDS) {
        const stored = record[field];
        if (stored !== undefined && !(stored === null && options.nulls === 'absent')) member[field] = stored;
      }
      try {
        return {
          member: validateMember(member as unknown as Member, options.sourceInReason ? source : undefined),
        };
      } catch (error) {
        if (error instanceof ElectionError) return { reason: error.message, cause: error };
        throw error;
      }
    },
    malformed: (key, reason, cause) =>
      new MalformedEntryError(
        key,
        options.message?.(key, reason) ?? `Skipping malformed entry ${JSON.stringify(key)}: ${reason}.`,
        {
          source,
          ...(cause === undefined ? {} : { cause }),
        },
      ),
  };
}
