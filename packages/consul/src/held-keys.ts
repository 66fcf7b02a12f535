import type { ConsulApi } from './consul-api.js';

/**
 * Deletes each of `keys` that session `sessionId` holds, only at the ModifyIndex just read
 * (`DELETE ?cas=`), so a key that moved on meanwhile is left alone. Keys deleted so are not under
 * lock-delay when the session ends afterwards: Consul arms a lock-delay only on the keys an
 * invalidated session still holds (agent/consul/state/session.go, deleteSessionTxn), and checks it
 * only for lock acquisitions (agent/consul/kvs_endpoint.go, kvsPreApply).
 */
export async function deleteHeldKeys(
  api: ConsulApi,
  keys: readonly string[],
  sessionId: string,
  signal?: AbortSignal,
): Promise<void> {
  for (const key of keys) {
    const entry = await api.get(key, signal);
    if (entry?.session === sessionId) await api.deleteIfUnchanged(key, entry.modifyIndex, signal);
  }
}
