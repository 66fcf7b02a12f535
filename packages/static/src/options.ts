import {
  ConfigurationError,
  custom,
  defineOptions,
  flag,
  fn,
  integerAtLeast,
  type Member,
  optionRule,
  validateMember,
} from '@election/core/adapter';
import { SOURCE } from './source.js';

/** One entry of the fixed member list. */
export interface StaticMemberConfig extends Member {
  /**
   * Base URL the default probe calls (`<url>/healthz`), e.g. `http://10.0.0.5:8080`. Needed for every
   * member other than the local one unless a custom probe function is given.
   */
  readonly url?: string;
}

/**
 * A custom liveness check: resolve true when `member` is alive. A rejection, a non-boolean result or
 * running past `timeoutMs` (the signal aborts then) counts as a failed probe.
 */
export type ProbeFunction = (member: StaticMemberConfig, signal: AbortSignal) => Promise<boolean>;

export interface ProbeOptions {
  /** Time between the end of one probe of a member and the start of the next, ms. Default 1000. */
  readonly intervalMs?: number;
  /** A probe that has not answered after this long has failed, ms. Default 500. */
  readonly timeoutMs?: number;
  /** Consecutive failures that mark a live member dead. Default 3. */
  readonly failureThreshold?: number;
  /** Consecutive successes that mark a dead member alive again. Default 1. */
  readonly successThreshold?: number;
  /** Path the default HTTP probe requests under each member's url. Default `/healthz`. */
  readonly path?: string;
  /** Replaces the HTTP probe; the timing and thresholds above still apply. */
  readonly check?: ProbeFunction;
}

export interface StaticMembershipOptions {
  readonly members: readonly StaticMemberConfig[];
  /** Probe settings, or just a custom probe function (with default timing). */
  readonly probe?: ProbeOptions | ProbeFunction;
  /**
   * Probe the joining member itself once before joining: if it already answers, another live
   * process holds this id, and join rejects with DuplicateMemberError. Default false, because most
   * services serve their own health endpoint before they join, and would then find themselves.
   * Turn it on when the endpoint comes up only after the join (or with a probe function that knows).
   */
  readonly checkDuplicates?: boolean;
}

export interface ResolvedProbe {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly failureThreshold: number;
  readonly successThreshold: number;
  readonly path: string;
  readonly check: ProbeFunction | undefined;
}

export interface ResolvedOptions {
  readonly members: readonly StaticMemberConfig[];
  readonly probe: ResolvedProbe;
  readonly checkDuplicates: boolean;
}

function fail(message: string): never {
  throw new ConfigurationError(message, { source: SOURCE });
}

function checkUrl(member: StaticMemberConfig): void {
  if (member.url === undefined) return;
  let parsed: URL;
  try {
    parsed = new URL(member.url);
  } catch (cause) {
    throw new ConfigurationError(
      `url of member "${member.id}" is not a valid URL: ${JSON.stringify(member.url)}. Use e.g. http://127.0.0.1:8080.`,
      { source: SOURCE, cause },
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    fail(
      `url of member "${member.id}" must start with http:// or https://, got ${JSON.stringify(member.url)}.`,
    );
  }
}

function checkMembers(members: unknown): undefined {
  if (!Array.isArray(members) || members.length === 0) {
    fail('members must be a non-empty array of { id, url?, priority?, observer?, meta? }.');
  }
  const seen = new Set<string>();
  for (const member of members as readonly StaticMemberConfig[]) {
    validateMember(member, SOURCE);
    if (seen.has(member.id)) fail(`member id "${member.id}" is listed twice. Each id must appear once.`);
    seen.add(member.id);
    checkUrl(member);
  }
  return undefined;
}

/** With the default HTTP probe: only the local node may go without a url, so at most one may. */
function checkProbeable(members: readonly StaticMemberConfig[]): void {
  const withoutUrl = members.filter((member) => member.url === undefined).map((member) => member.id);
  if (withoutUrl.length > 1) {
    fail(
      `members ${withoutUrl.map((id) => `"${id}"`).join(', ')} have no url, so they cannot be probed. ` +
        'Give every member a url (only the local node may omit it), or pass a probe function.',
    );
  }
}

const probeOptions = defineOptions(SOURCE, {
  notAnObject: 'probe must be an options object or a function.',
  namePrefix: 'probe.',
  fields: {
    check: fn<ProbeFunction>(),
    path: custom<string | undefined>((path) =>
      path === undefined || (typeof path === 'string' && path.startsWith('/'))
        ? undefined
        : `probe.path must start with "/", got ${JSON.stringify(path)}.`,
    ),
    intervalMs: integerAtLeast(1000, 1),
    timeoutMs: integerAtLeast(500, 1),
    failureThreshold: integerAtLeast(3, 1),
    successThreshold: integerAtLeast(1, 1),
  },
});

const staticOptions = defineOptions(SOURCE, {
  notAnObject: 'createStaticMembership needs an options object.',
  fields: {
    members: custom<readonly StaticMemberConfig[]>(checkMembers),
    probe: optionRule<ResolvedProbe>((_, probe, { options }) => {
      const resolved = probeOptions(typeof probe === 'function' ? { check: probe } : (probe ?? {}));
      if (resolved.check === undefined) checkProbeable(options.members as readonly StaticMemberConfig[]);
      return { ...resolved, path: resolved.path ?? '/healthz' };
    }),
    checkDuplicates: flag(false),
  },
});

/** Validates everything that can be checked before the local node is known; throws ConfigurationError. */
export function resolveOptions(options: StaticMembershipOptions): ResolvedOptions {
  const { members, probe, checkDuplicates } = staticOptions(options);
  return { members: members.map((member) => ({ ...member })), probe, checkDuplicates };
}

/** The member as core sees it: the probe url is this adapter's business, not part of the registration. */
export function toMember(config: StaticMemberConfig): Member {
  const { url: _url, ...member } = config;
  return member;
}
