/** One KV pair as Consul returns it, with indexes as bigint (Consul's are uint64). */
export interface KvEntry {
  readonly key: string;
  /** Decoded from base64 by the client; null when the key has no value. */
  readonly value: string | null;
  /** The session holding the key's lock, if any. */
  readonly session: string | undefined;
  readonly lockIndex: bigint;
  readonly createIndex: bigint;
  readonly modifyIndex: bigint;
  readonly flags: number;
}

function toIndex(value: unknown): bigint | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === 'string' && /^\d+$/.test(value)) return BigInt(value);
  return undefined;
}

/** Reads one item of a KV response; undefined when it is not shaped like a KV pair at all. */
export function parseKvEntry(item: unknown): KvEntry | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const raw = item as Record<string, unknown>;
  const modifyIndex = toIndex(raw.ModifyIndex);
  if (typeof raw.Key !== 'string' || modifyIndex === undefined) return undefined;
  return {
    key: raw.Key,
    value: typeof raw.Value === 'string' ? raw.Value : null,
    session: typeof raw.Session === 'string' && raw.Session.length > 0 ? raw.Session : undefined,
    lockIndex: toIndex(raw.LockIndex) ?? 0n,
    createIndex: toIndex(raw.CreateIndex) ?? modifyIndex,
    modifyIndex,
    flags: typeof raw.Flags === 'number' ? raw.Flags : 0,
  };
}

/** Every item of a KV response shaped like a KV pair (a lone object counts as a list of one). */
export function parseKvEntries(body: unknown): KvEntry[] {
  const items: unknown[] = Array.isArray(body) ? body : body === undefined || body === null ? [] : [body];
  return items.map(parseKvEntry).filter((entry) => entry !== undefined);
}

/** `X-Consul-Index` as bigint; undefined when absent or not a number. */
export function parseConsulIndex(header: unknown): bigint | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  return typeof value === 'string' && /^\d+$/.test(value.trim()) ? BigInt(value.trim()) : undefined;
}
