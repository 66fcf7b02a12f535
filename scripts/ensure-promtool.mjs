#!/usr/bin/env node
// The alert rules (docs/alerts.yml) and the Grafana dashboard's queries are tested with
// Prometheus' own `promtool` (packages/prometheus/test/alerts.test.ts, dashboard.test.ts): Debian's
// `prometheus` package ships it. This makes sure it is there: as root with apt-get it installs that
// package; anywhere else it says how. Without it those tests are skipped with a title that says
// so, which CI (CI=true) does not accept.
import { ensure, has } from './apt.mjs';

ensure('ensure-promtool', {
  using: process.env.PROMTOOL_PATH && `PROMTOOL_PATH=${process.env.PROMTOOL_PATH}`,
  found: has('promtool') && 'promtool found on PATH',
  packages: ['prometheus'],
  missing:
    'the alert-rule tests need promtool on PATH. Install it\n' +
    '(Debian/Ubuntu: sudo apt-get install prometheus) or set PROMTOOL_PATH; without it those tests are skipped.',
  required: false,
});
