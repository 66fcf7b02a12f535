import {
  BackendUnavailableError,
  ConfigurationError,
  type JoinRequest,
  joinRounds,
  type Logger,
  type OwnRegistrations,
} from '@election/core/adapter';
import type { ConsulApi } from './consul-api.js';
import { toElectionError } from './errors.js';
import { deleteHeldKeys } from './held-keys.js';
import { duplicateError, type HolderContext, revokeHolder, waitOutHolder } from './holder.js';
import type { KeyLayout } from './keys.js';
import { MAX_LOCK_DELAY_SECONDS } from './lock-delay.js';
import { encodeMember } from './member-codec.js';
import type { ResolvedConsulOptions } from './options.js';
import { SOURCE } from './source.js';

export const MIN_TTL_MS = 10_000;
export const MAX_TTL_MS = 86_400_000;

/**
 * Holders a join waits out before it gives up: one is the usual case (this id's own crashed
 * process); a second means another process took the id meanwhile, and so on.
 */
const MAX_WAITS = 3;

export interface JoinContext {
  readonly api: ConsulApi;
  readonly layout: KeyLayout;
  readonly options: ResolvedConsulOptions;
  /** Sessions this backend walked away from (close(), a failed leave) that may still be alive. */
  readonly abandoned: OwnRegistrations;
}

/**
 * The lock-delay of a session with this TTL: the `lockDelaySeconds` option, else the TTL itself.
 * A lock-delay of at least the TTL is what makes an early end of the session harmless: whatever
 * ends it (its node marked failed, the node deregistered, a destroy), the keys it held are refused
 * to every other session until the old holder's local deadline (at most one TTL after its last
 * acknowledged renewal, which came before the end) has passed.
 */
export function sessionLockDelaySeconds(options: ResolvedConsulOptions, ttlSeconds: number): number {
  if (options.lockDelaySeconds !== undefined) return options.lockDelaySeconds;
  if (ttlSeconds > MAX_LOCK_DELAY_SECONDS) {
    throw new ConfigurationError(
      `a TTL of ${ttlSeconds} s is longer than Consul's largest lock-delay (${MAX_LOCK_DELAY_SECONDS} s), so a session Consul ends early (its node marked failed) could let another node lead while this one still does. Use a TTL of at most ${MAX_LOCK_DELAY_SECONDS} s, or set lockDelaySeconds explicitly (and have downstream systems check fencing tokens).`,
      { source: SOURCE },
    );
  }
  return ttlSeconds;
}

export interface Joined {
  readonly sessionId: string;
  /** The session's lock-delay, ms. */
  readonly lockDelayMs: number;
  /** Send time of the create request: the first deadline counts from it. */
  readonly createdAt: number;
}

/**
 * Creates the node's session and takes its member key with it; cleans up after itself on failure.
 * A session found holding the key is revoked at once when this backend abandoned it or the request
 * asks for `takeover`; otherwise it is waited out (holder.ts), without a session of our own
 * meanwhile (ours would expire during a 2×TTL wait), and the join starts over.
 */
export function joinElection(context: JoinContext, request: JoinRequest, logger: Logger): Promise<Joined> {
  const { api, layout, options, abandoned } = context;
  const { member, signal } = request;
  const holders: HolderContext = {
    api,
    layout,
    election: options.election,
    memberId: member.id,
    clock: request.clock,
    logger,
    signal,
    minIntervalMs: options.watchMinIntervalMs,
  };
  // core has checked the TTL against CONSUL_CAPABILITIES: whole seconds, 10 s to 86400 s.
  const ttlSeconds = request.ttlMs / 1000;
  const lockDelaySeconds = sessionLockDelaySeconds(options, ttlSeconds);
  const key = layout.memberKey(member.id);
  const value = encodeMember(member);
  let revocations = 0;
  let waits = 0;
  return joinRounds<Joined, string, Created>({
    signal,
    takeover: request.takeover,
    // This attempt's session: one per wait, as ours would expire during a 2×TTL wait.
    own: {
      async create() {
        const createdAt = request.clock.now();
        const name = `${options.prefix}/${options.election}: ${member.id}`;
        const checks = options.sessionChecks;
        const sessionId = await api.createSession({ name, ttlSeconds, lockDelaySeconds, checks }, signal);
        revocations = 0;
        return { sessionId, createdAt };
      },
      discard: ({ sessionId }) => discardSession(context, member.id, sessionId, logger),
    },
    async register({ sessionId, createdAt }) {
      // Three tries at most per session: a holder revoked (abandoned, then taken over) between them is rare.
      if (revocations === 3) throw lockDelayRefused(key);
      if (await api.acquire(key, value, sessionId, signal)) {
        await checkListed(context, request, sessionId);
        signal.throwIfAborted();
        return { registered: { sessionId, createdAt, lockDelayMs: lockDelaySeconds * 1000 } };
      }
      const holder = (await api.get(key, signal))?.session;
      if (holder === undefined) throw lockDelayRefused(key);
      return { holder };
    },
    abandoned: (holder) => abandoned.isAbandoned(holder),
    async revoke(holder, why) {
      revocations += 1;
      await revokeHolder(holders, holder, why);
      if (why === 'abandoned') abandoned.gone(holder);
    },
    log: {
      logger,
      id: member.id,
      fields: (holder) => ({ key, session: holder }),
      takeoverNote: ' (if it led, the leader key stays refused for its lock-delay)',
    },
    async waitOut(holder) {
      if (waits === MAX_WAITS) {
        throw duplicateError(holders, `one session after another took it while this node waited`);
      }
      waits += 1;
      await waitOutHolder(holders, holder);
    },
  });
}

interface Created {
  readonly sessionId: string;
  readonly createdAt: number;
}

/** Nobody holds the member key, yet Consul refused it: the previous holder's lock-delay is running. */
function lockDelayRefused(key: string): BackendUnavailableError {
  return new BackendUnavailableError(
    `Consul refused ${key} although no session holds it: the previous holder's lock-delay is still running. Retrying.`,
    { source: SOURCE },
  );
}

/**
 * The watch must see the member key just taken: Consul's `?recurse` list silently drops keys the
 * ACL token cannot read (agent/consul/kvs_endpoint.go, KVS.List filters with FilterDirEnt; no 403),
 * and a registration the watch cannot see would look lost at once and rejoin for ever. So one list
 * right after the join, and a ConfigurationError naming the missing right if the key is not there.
 */
async function checkListed(context: JoinContext, request: JoinRequest, sessionId: string): Promise<void> {
  const { api, layout } = context;
  const key = layout.memberKey(request.member.id);
  const listed = await api.list(layout.root, 0n, 0, request.signal);
  if (listed.entries.some((entry) => entry.key === key && entry.session === sessionId)) return;
  throw new ConfigurationError(
    `Consul took ${key} for this node but a recursive read of ${layout.root} does not show it: Consul leaves out of ?recurse lists the keys the ACL token cannot read. Give the token read (key_prefix "${layout.root}" { policy = "write" } covers it) on the whole election prefix.`,
    { source: SOURCE },
  );
}

/**
 * Never leave a session behind that holds nothing: it would count against Consul until its TTL.
 * The member key it may have taken is deleted first (held-keys.ts): destroyed while holding it, the
 * session would arm its lock-delay (the TTL by default) on the key, and the next join of this id
 * would be refused that long. Runs without the join's signal, which may be what aborted it.
 */
async function discardSession(
  context: JoinContext,
  memberId: string,
  sessionId: string,
  logger: Logger,
): Promise<void> {
  const { api, layout } = context;
  try {
    await deleteHeldKeys(api, [layout.memberKey(memberId)], sessionId);
  } catch {
    // The destroy below still ends the session (the key then waits out the lock-delay).
  }
  await api.destroySession(sessionId).catch((error: unknown) => {
    context.abandoned.abandoned(sessionId);
    const cause = toElectionError(error, 'destroy a session');
    logger.warn({ code: cause.code }, `could not destroy the session of a failed join: ${cause.message}`);
  });
}
