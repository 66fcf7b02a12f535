import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createElector } from '@election/core';
import { collectElectorMetrics } from '@election/prometheus';
import { createMemoryCluster } from '@election/testing';
import { findOnPath } from '@election/tools';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';

/** docs/grafana/election.json: every query names metrics the collector exports, and parses as PromQL. */
const DASHBOARD = fileURLToPath(new URL('../../../docs/grafana/election.json', import.meta.url));
const promtool = process.env.PROMTOOL_PATH ?? findOnPath('promtool');

interface Panel {
  readonly title: string;
  readonly targets?: ReadonlyArray<{ readonly expr: string; readonly refId: string }>;
}

/** The queries with Grafana's variables as Prometheus would get them. */
function queries(): Array<{ panel: string; refId: string; expr: string }> {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[] };
  return dashboard.panels.flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({
      panel: panel.title,
      refId: target.refId,
      expr: target.expr.replaceAll('$election', '.*').replaceAll('$__rate_interval', '1m'),
    })),
  );
}

describe('docs/grafana/election.json', () => {
  it('queries only metrics and labels the collector exports', () => {
    const cluster = createMemoryCluster();
    const elector = createElector({ id: 'a', membership: cluster.backend() });
    const metrics = collectElectorMetrics(elector, { registry: new Registry(), ttlMs: 5000 });
    const found = queries();
    expect(found.length).toBeGreaterThanOrEqual(14);
    // The renewal panels read the histogram and the last renewal time.
    expect(found.map((query) => query.expr).join('\n')).toMatch(
      /election_renewal_latency_seconds_bucket[\s\S]*election_last_renewal_timestamp_seconds/,
    );
    for (const { panel, expr } of found) {
      for (const name of expr.match(/\belection_[a-z_]+\b/g) ?? []) {
        // A histogram's series: its name with _bucket, _sum or _count.
        const histogram = name.replace(/_(bucket|sum|count)$/, '');
        expect(metrics.names, `${panel}: ${name}`).toContain(
          metrics.names.includes(name) || !metrics.names.includes(histogram) ? name : histogram,
        );
      }
      for (const label of expr.match(/\b[a-z_]+(?==~?")|(?<=by \()[^)]*|(?<=on \()[^)]*/g) ?? []) {
        for (const one of label.split(',').map((part) => part.trim())) {
          expect(
            ['election', 'instance', 'id', 'code', 'backend', 'mode', 'le'],
            `${panel}: label ${one}`,
          ).toContain(one);
        }
      }
    }
    metrics.unregister();
    cluster.dispose();
  });

  it.skipIf(!promtool)(
    promtool ? 'parses as PromQL (promtool check rules)' : 'parses as PromQL: SKIPPED, no promtool on PATH',
    async () => {
      const rules = {
        groups: [
          {
            name: 'dashboard',
            rules: queries().map((query, i) => ({ record: `dashboard:query_${i}`, expr: query.expr })),
          },
        ],
      };
      const dir = mkdtempSync(join(tmpdir(), 'election-dashboard-'));
      try {
        const file = join(dir, 'dashboard.rules.json');
        writeFileSync(file, JSON.stringify(rules));
        const { stdout } = await promisify(execFile)(promtool as string, ['check', 'rules', file]);
        expect(stdout).toMatch(/SUCCESS: \d+ rules found/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
