import {
  BackendUnavailableError,
  DuplicateMemberError,
  type JoinRequest,
  type Logger,
} from '@election/core/adapter';
import type { ConsulApi } from './consul-api.js';
import { toElectionError } from './errors.js';
import type { KeyLayout } from './keys.js';
import { encodeMember } from './member-codec.js';
import type { ResolvedConsulOptions } from './options.js';
import { SOURCE } from './source.js';

export const MIN_TTL_MS = 10_000;
export const MAX_TTL_MS = 86_400_000;

export interface JoinContext {
  readonly api: ConsulApi;
  readonly layout: KeyLayout;
  readonly options: ResolvedConsulOptions;
  /** Sessions this backend walked away from (close(), a failed leave) that may still be alive. */
  readonly abandoned: Set<string>;
}

export interface Joined {
  readonly sessionId: string;
  /** Send time of the create request: the first deadline counts from it. */
  readonly createdAt: number;
}

/** Creates the node's session and takes its member key with it; cleans up after itself on failure. */
export async function joinElection(
  context: JoinContext,
  request: JoinRequest,
  logger: Logger,
): Promise<Joined> {
  const { api, options } = context;
  // core has checked the TTL against CONSUL_CAPABILITIES: whole seconds, 10 s to 86400 s.
  const ttlSeconds = request.ttlMs / 1000;
  request.signal.throwIfAborted();
  const createdAt = request.clock.now();
  const sessionId = await api.createSession(
    {
      name: `${options.prefix}/${options.election}: ${request.member.id}`,
      ttlSeconds,
      lockDelaySeconds: options.lockDelaySeconds,
    },
    request.signal,
  );
  try {
    await acquireMemberKey(context, request, sessionId, logger);
    request.signal.throwIfAborted();
  } catch (error) {
    // Never leave a half-joined session behind: it would hold nothing, but count against Consul.
    await api.destroySession(sessionId).catch((destroyError: unknown) => {
      context.abandoned.add(sessionId);
      logger.warn(
        { err: toElectionError(destroyError, 'destroy a session') },
        'could not destroy a failed join',
      );
    });
    throw error;
  }
  return { sessionId, createdAt };
}

async function acquireMemberKey(
  context: JoinContext,
  request: JoinRequest,
  sessionId: string,
  logger: Logger,
) {
  const { api, layout, abandoned } = context;
  const { id } = request.member;
  const key = layout.memberKey(id);
  const value = encodeMember(request.member);
  // Two rounds at most: one to clear a session this backend abandoned earlier, one to take the key.
  for (let round = 0; round < 2; round += 1) {
    if (await api.acquire(key, value, sessionId, request.signal)) return;
    const holder = (await api.get(key, request.signal))?.session;
    if (holder !== undefined && abandoned.has(holder)) {
      logger.info(
        { key },
        'the id is held by a session this backend abandoned earlier; destroying that session',
      );
      await api.destroySession(holder, request.signal);
      abandoned.delete(holder);
      continue;
    }
    if (holder !== undefined && holder !== sessionId) {
      throw new DuplicateMemberError(
        id,
        `member id "${id}" is already registered in election "${context.options.election}" by another live node; that node keeps it. Use another id, or stop the other node (its registration expires at most 2×TTL after it stops renewing).`,
        { source: SOURCE },
      );
    }
    break;
  }
  // Nobody holds it, yet Consul refused: the lock-delay of the previous holder's session is running.
  throw new BackendUnavailableError(
    `Consul refused ${key} although no session holds it: the previous holder's lock-delay is still running. Retrying.`,
    { source: SOURCE },
  );
}
