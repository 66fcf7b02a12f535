import type { ElectionStatus } from '@election/http';

/** The body of GET /status. */
export type NodeStatus = ElectionStatus;

/** GET `<url>/status`; null when the node does not answer within `timeoutMs` (killed, starting). */
export async function fetchStatus(url: string, timeoutMs = 500): Promise<NodeStatus | null> {
  try {
    const response = await fetch(`${url}/status`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) return null;
    return (await response.json()) as NodeStatus;
  } catch {
    return null;
  }
}

/** The leader every answering node agrees on, with that node claiming it; null while they disagree. */
export function agreedLeader(statuses: ReadonlyArray<NodeStatus | null>): string | null {
  const answering = statuses.filter((status): status is NodeStatus => status !== null);
  if (answering.length === 0) return null;
  const leader = answering[0]?.leaderId ?? null;
  if (leader === null || answering.some((status) => status.leaderId !== leader)) return null;
  const claims = answering.filter((status) => status.isLeader);
  return claims.length === 1 && claims[0]?.id === leader ? leader : null;
}
