import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createElector, type Elector } from '@election/core';
import { collectElectorMetrics } from '@election/prometheus';
import { createManualClock, createMemoryCluster } from '@election/testing';
import { findOnPath } from '@election/tools';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { RENEWAL_BUCKETS } from '../src/family.js';

/**
 * docs/alerts.yml tested with Prometheus' own `promtool test rules` (Debian's `prometheus` package,
 * installed by scripts/ensure-promtool.mjs) against series that real electors export: three nodes
 * on the in-memory backend and a manual clock go through outages, flapping and slow renewals (the
 * backend's answers to one node delayed: cluster.latency), their
 * registries are scraped every 1.3 s of clock time, and the samples become promtool's input series.
 */
const promtool = process.env.PROMTOOL_PATH ?? findOnPath('promtool');
const RULES = fileURLToPath(new URL('../../../docs/alerts.yml', import.meta.url));
const SKIPPED = 'the alert rules under promtool: SKIPPED, no promtool on PATH (apt-get install prometheus)';
if (!promtool) console.warn(`[@election/prometheus] ${SKIPPED}`);

const TTL_MS = 3000;
/** Not a multiple of the renewal interval (1 s), so scrapes fall at every phase of it. */
const SCRAPE_MS = 1300;
const IDS = ['a', 'b', 'c'] as const;

/** `name{labels} value` lines of a text exposition, each with `instance` added. */
function samples(text: string, instance: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels = match[2] ? `${match[2]},instance="${instance}"` : `instance="${instance}"`;
    out.push([`${match[1]}{${labels}}`, match[3] === '+Inf' ? 'Inf' : (match[3] ?? '')]);
  }
  return out;
}

const annotations = {
  ElectionNoLeader: {
    summary: 'Election default has had no leader for 30 s',
    description:
      "No node of election default reports is_leader = 1. Check the backend and the nodes' /readyz and /cluster.",
  },
  ElectionFlapping: {
    summary: 'Election default changed leader more than 4 times in 15 min',
    description:
      'Leadership is flapping: look for a node that keeps losing its lease (slow backend, GC pauses) or a priority that keeps changing.',
  },
  ElectionRenewalSlow: {
    summary: 'a of election default renews its registration slowly',
    description:
      "The 90th percentile of its renewal round trips is above a fifth of the TTL; renewals time out at a third (etcd) or a quarter (Consul) of it, and past the TTL without one the node loses its registration (a leader steps down). Check the backend's latency.",
  },
  backend: (instance: string) => ({
    summary: `${instance} of election default cannot reach its backend`,
    description:
      'Backend errors for over a minute. The node is not ready (/readyz) and does not lead; it keeps retrying.',
  }),
};

/** `promtool test rules` on one rules test (JSON, which is YAML); its whole output, pass or fail. */
async function promtoolTest(test: object): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'election-promtool-'));
  try {
    const file = join(dir, 'alerts.test.json');
    writeFileSync(file, JSON.stringify(test, null, 1)); // YAML is a superset of JSON
    const { stdout, stderr } = await promisify(execFile)(promtool as string, ['test', 'rules', file]).catch(
      (error: { stdout?: string; stderr?: string }) => ({
        stdout: error.stdout ?? '',
        stderr: error.stderr ?? String(error),
      }),
    );
    return `${stdout}${stderr}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!promtool)(promtool ? `docs/alerts.yml under promtool (${promtool})` : SKIPPED, () => {
  it('fires no leader, backend unreachable, flapping and slow renewal exactly when the exported series say so', async () => {
    const clock = createManualClock(1_000_000);
    const cluster = createMemoryCluster({ clock });
    const electors: Elector[] = [];
    const registries = new Map<string, Registry>();
    for (const id of IDS) {
      const elector = createElector({ id, membership: cluster.backend(), clock, ttlMs: TTL_MS });
      const registry = new Registry();
      collectElectorMetrics(elector, { registry, clock, ttlMs: TTL_MS });
      electors.push(elector);
      registries.set(id, registry);
    }
    const series = new Map<string, string[]>();
    let step = 0;
    const scrape = async () => {
      await clock.advance(SCRAPE_MS);
      for (const [id, registry] of registries) {
        for (const [name, value] of samples(await registry.metrics(), id)) {
          const values = series.get(name) ?? [];
          while (values.length < step) values.push('_');
          values.push(value);
          series.set(name, values);
        }
      }
      step += 1;
    };
    const until = async (seconds: number, each?: (i: number) => void) => {
      for (let i = 0; step * SCRAPE_MS < seconds * 1000; i++) {
        each?.(i);
        await scrape();
      }
    };
    try {
      await Promise.all(electors.map((elector) => elector.start()));
      await until(60); // healthy: a leads
      for (const id of IDS) cluster.partition(id); // the backend is gone for everyone
      await until(150);
      for (const id of IDS) cluster.heal(id);
      await until(240); // healthy again
      // a is cut off and comes back, again and again: b and a take turns.
      await until(300, (i) =>
        i % 8 === 0 ? cluster.partition('a') : i % 8 === 4 ? cluster.heal('a') : undefined,
      );
      cluster.heal('a');
      await until(330);
      // Answers to a's calls (its renewals) take 800 ms, still within their timeout (the interval, 1 s).
      cluster.latency(800, { node: 'a' });
      await until(600);
      expect(electors[0]?.state.isLeader).toBe(true);
    } finally {
      for (const elector of electors) await elector.stop({ resign: false });
      cluster.dispose();
    }

    const renewalsOfA = (name: string) =>
      (series.get(`election_renewal_latency_seconds_${name}{election="default",instance="a"}`) ?? []).map(
        Number,
      );
    const [sums, counts] = [renewalsOfA('sum'), renewalsOfA('count')];
    const last = (values: number[], back: number) => values.at(-1 - back) ?? 0;
    console.log(
      `alerts test: a's renewals over its last 60 scrapes: ${last(counts, 0) - last(counts, 60)} acknowledged, ${(((last(sums, 0) - last(sums, 60)) / (last(counts, 0) - last(counts, 60))) * 1000).toFixed(0)} ms on average (latency set to 800 ms; TTL ${TTL_MS / 1000} s)`,
    );
    const none = (alertname: string, eval_time: string) => ({ eval_time, alertname, exp_alerts: [] });
    const alerts = (alertname: keyof typeof annotations, eval_time: string, labels: object) => ({
      eval_time,
      alertname,
      exp_alerts: [
        {
          exp_labels: { election: 'default', ...labels },
          exp_annotations: annotations[alertname] as object,
        },
      ],
    });
    const unreachable = (eval_time: string, instances: readonly string[]) => ({
      eval_time,
      alertname: 'ElectionBackendUnreachable',
      exp_alerts: instances.map((instance) => ({
        exp_labels: { election: 'default', instance, severity: 'critical' },
        exp_annotations: annotations.backend(instance),
      })),
    });
    const test = {
      rule_files: [RULES],
      evaluation_interval: '1s',
      tests: [
        {
          interval: `${SCRAPE_MS}ms`,
          input_series: [...series].map(([name, values]) => ({ series: name, values: values.join(' ') })),
          alert_rule_test: [
            // Healthy: nothing fires.
            ...[
              'ElectionNoLeader',
              'ElectionFlapping',
              'ElectionRenewalSlow',
              'ElectionBackendUnreachable',
            ].map((name) => none(name, '55s')),
            // The backend is gone: no leader (for 30 s), every node failing (for 1 min).
            none('ElectionNoLeader', '80s'),
            alerts('ElectionNoLeader', '140s', { severity: 'critical' }),
            unreachable('140s', IDS),
            none('ElectionFlapping', '140s'),
            // Back: it all resolves.
            none('ElectionNoLeader', '235s'),
            unreachable('235s', []),
            none('ElectionFlapping', '235s'),
            none('ElectionRenewalSlow', '235s'),
            // a keeps dropping out: flapping.
            alerts('ElectionFlapping', '300s', { severity: 'warning' }),
            none('ElectionNoLeader', '300s'),
            // a renews late: slow renewals on a, and on no other node.
            none('ElectionRenewalSlow', '400s'),
            alerts('ElectionRenewalSlow', '595s', { instance: 'a', severity: 'warning' }),
            none('ElectionNoLeader', '595s'),
            unreachable('595s', []),
          ],
        },
      ],
    };
    const output = await promtoolTest(test);
    console.log(`alerts test: promtool test rules (${series.size} series, ${step} scrapes):\n${output}`);
    expect(output).toMatch(/SUCCESS/);
  }, 120_000);
});

/**
 * ElectionRenewalSlow compares the p90 of
 * election_renewal_latency_seconds with a fifth of the TTL, but the histogram's largest finite bucket
 * was 10 s, and histogram_quantile never answers more than that: with a TTL above 50 s the alert
 * could not fire, however slow the renewals (the buckets now go to 60 s). (etcd renews every TTL/3 and times a renewal out there, so
 * a 15 s round trip with a 60 s TTL is acknowledged, and near the point where the lease is lost.)
 */
describe.skipIf(!promtool)('ElectionRenewalSlow with a large TTL (issue 20 review)', () => {
  it('fires when every renewal takes 15 s with a 60 s TTL (p90 above TTL/5 = 12 s)', async () => {
    const labels = 'election="default",instance="a"';
    // One renewal acknowledged every 20 s (TTL/3), each 15 s: only the +Inf bucket grows.
    const buckets = [...RENEWAL_BUCKETS.map(String), '+Inf'].map((le) => ({
      series: `election_renewal_latency_seconds_bucket{${labels},le="${le}"}`,
      values: le === '+Inf' ? '0+1x40' : '0x40',
    }));
    const output = await promtoolTest({
      rule_files: [RULES],
      evaluation_interval: '20s',
      tests: [
        {
          interval: '20s',
          input_series: [
            ...buckets,
            { series: `election_renewal_latency_seconds_count{${labels}}`, values: '0+1x40' },
            { series: `election_renewal_latency_seconds_sum{${labels}}`, values: '0+15x40' },
            { series: `election_ttl_seconds{${labels}}`, values: '60x40' },
            { series: `election_is_leader{${labels}}`, values: '1x40' },
          ],
          alert_rule_test: [
            {
              eval_time: '10m',
              alertname: 'ElectionRenewalSlow',
              exp_alerts: [
                {
                  exp_labels: { election: 'default', instance: 'a', severity: 'warning' },
                  exp_annotations: {
                    summary: 'a of election default renews its registration slowly',
                    description:
                      "The 90th percentile of its renewal round trips is above a fifth of the TTL; renewals time out at a third (etcd) or a quarter (Consul) of it, and past the TTL without one the node loses its registration (a leader steps down). Check the backend's latency.",
                  },
                },
              ],
            },
          ],
        },
      ],
    });
    console.log(`alerts: ${output}`);
    expect(output).toMatch(/SUCCESS/);
  });
});

describe.skipIf(!promtool)(
  'ElectionNoLeader when every node of the election is gone (issue 20 review)',
  () => {
    it('fires when no node reports at all (all crashed or unreachable): absent is not "a leader"', async () => {
      // a led, b followed; then both processes die (their series go stale at the next scrape).
      const a = 'election="billing",instance="a"';
      const b = 'election="billing",instance="b"';
      const output = await promtoolTest({
        rule_files: [RULES],
        evaluation_interval: '15s',
        tests: [
          {
            interval: '15s',
            input_series: [
              { series: `election_is_leader{${a}}`, values: '1x8 stale' },
              { series: `election_is_leader{${b}}`, values: '0x8 stale' },
              { series: `election_info{${a},backend="etcd",mode="confirmed",id="a"}`, values: '1x8 stale' },
              { series: `election_info{${b},backend="etcd",mode="confirmed",id="b"}`, values: '1x8 stale' },
            ],
            alert_rule_test: [
              {
                eval_time: '5m',
                alertname: 'ElectionNoLeader',
                exp_alerts: [
                  {
                    exp_labels: { election: 'billing', severity: 'critical' },
                    exp_annotations: {
                      summary: 'Election billing has had no leader for 30 s',
                      description:
                        "No node of election billing reports is_leader = 1. Check the backend and the nodes' /readyz and /cluster.",
                    },
                  },
                ],
              },
            ],
          },
        ],
      });
      console.log(`alerts (no node left): ${output}`);
      expect(output).toMatch(/SUCCESS/);
    });
  },
);
