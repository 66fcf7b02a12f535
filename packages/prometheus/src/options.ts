import { ConfigurationError } from '@election/core';
import type { Registry } from 'prom-client';

export const SOURCE = '@election/prometheus';
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

export function checkOptions(
  registry: Registry | undefined,
  prefix: string,
  election: string,
  ttlMs: number | undefined,
): asserts registry is Registry {
  if (typeof registry?.registerMetric !== 'function') {
    throw new ConfigurationError(
      'collectElectorMetrics(elector, { registry }): registry must be a prom-client Registry, e.g. `new Registry()` or `register` from prom-client.',
      { source: SOURCE },
    );
  }
  if (prefix !== '' && !METRIC_NAME.test(prefix)) {
    throw new ConfigurationError(
      `prefix "${prefix}" would make invalid metric names: use letters, digits, "_" and ":" only, not starting with a digit (e.g. "election_").`,
      { source: SOURCE },
    );
  }
  if (typeof election !== 'string' || election === '') {
    throw new ConfigurationError(
      `election must be a non-empty string naming the election (the \`election\` label), got ${JSON.stringify(election)}.`,
      { source: SOURCE },
    );
  }
  if (ttlMs !== undefined && (!Number.isFinite(ttlMs) || ttlMs <= 0)) {
    throw new ConfigurationError(
      `ttlMs must be the TTL given to createElector, in ms (a positive number), got ${String(ttlMs)}.`,
      { source: SOURCE },
    );
  }
}
