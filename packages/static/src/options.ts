import { ConfigurationError, type Member, validateMember } from '@election/core/adapter';
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

function positiveInteger(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    fail(`probe.${name} must be an integer >= ${min}, got ${String(value)}.`);
  }
  return value;
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

function resolveProbe(probe: StaticMembershipOptions['probe']): ResolvedProbe {
  const options: ProbeOptions = typeof probe === 'function' ? { check: probe } : (probe ?? {});
  if (typeof options !== 'object') fail('probe must be an options object or a function.');
  if (options.check !== undefined && typeof options.check !== 'function')
    fail('probe.check must be a function.');
  const path = options.path ?? '/healthz';
  if (typeof path !== 'string' || !path.startsWith('/')) {
    fail(`probe.path must start with "/", got ${JSON.stringify(path)}.`);
  }
  return {
    intervalMs: positiveInteger('intervalMs', options.intervalMs, 1000, 1),
    timeoutMs: positiveInteger('timeoutMs', options.timeoutMs, 500, 1),
    failureThreshold: positiveInteger('failureThreshold', options.failureThreshold, 3, 1),
    successThreshold: positiveInteger('successThreshold', options.successThreshold, 1, 1),
    path,
    check: options.check,
  };
}

/** Validates everything that can be checked before the local node is known; throws ConfigurationError. */
export function resolveOptions(options: StaticMembershipOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null)
    fail('createStaticMembership needs an options object.');
  const { members } = options;
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
  const probe = resolveProbe(options.probe);
  if (probe.check === undefined) {
    // Only the local node may go without a url, so more than one url-less member can never work.
    const withoutUrl = members.filter((member) => member.url === undefined).map((member) => member.id);
    if (withoutUrl.length > 1) {
      fail(
        `members ${withoutUrl.map((id) => `"${id}"`).join(', ')} have no url, so they cannot be probed. ` +
          'Give every member a url (only the local node may omit it), or pass a probe function.',
      );
    }
  }
  if (options.checkDuplicates !== undefined && typeof options.checkDuplicates !== 'boolean') {
    fail('checkDuplicates must be true or false.');
  }
  return {
    members: members.map((member) => ({ ...member })),
    probe,
    checkDuplicates: options.checkDuplicates ?? false,
  };
}

/** The member as core sees it: the probe url is this adapter's business, not part of the registration. */
export function toMember(config: StaticMemberConfig): Member {
  const { url: _url, ...member } = config;
  return member;
}
