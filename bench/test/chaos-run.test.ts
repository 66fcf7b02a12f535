import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { builtDist, runChaos } from './support/run-chaos.js';

// The view-mode run (the checker catches a run without the lock) is in chaos-view.test.ts, so the
// two runs take separate workers.
// Ten faults, seed 178: every kind (kill, restart, pause, etcd-kill) occurs (asserted below). The
// plan aims each process fault at the leader or at a node picked by the seed; which of those led is
// settled at run time (one run here: kill and pause hit both the leader and a follower, restart hit
// the leader only). The old 20 faults of seed 20 never paused a follower. `pnpm chaos` runs 200 by
// default.
describe('pnpm chaos', () => {
  it('keeps one leader at a time through 10 seeded faults of every kind, with fenced writes in order', async () => {
    const missing = builtDist.filter((file) => !existsSync(file));
    expect(missing, 'build first: pnpm exec turbo run build --filter @election/etcd...').toEqual([]);
    const { code, output } = await runChaos(['--faults', '10', '--seed', '178']);
    expect(output).toContain('chaos: 5 nodes, 10 faults, seed 178');
    expect(output.match(/^#\s*\d+ /gm) ?? []).toHaveLength(10);
    for (const kind of ['kill', 'restart', 'pause', 'etcd-kill']) {
      expect(output).toMatch(new RegExp(`^#\\s*\\d+ +\\+[\\d.]+s ${kind} `, 'm'));
    }
    expect(output, output).toContain('verdict: PASS');
    expect(code).toBe(0);
  }, 240_000);
});
