import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { builtDist, runChaos } from './support/run-chaos.js';

// The view-mode run (the checker catches a run without the lock) is in chaos-view.test.ts, so the
// two runs take separate workers.
describe('pnpm chaos', () => {
  it('keeps one leader at a time through 20 seeded faults, with fenced writes in order', async () => {
    const missing = builtDist.filter((file) => !existsSync(file));
    expect(missing, 'build first: pnpm exec turbo run build --filter @election/etcd...').toEqual([]);
    const { code, output } = await runChaos(['--faults', '20', '--seed', '20']);
    expect(output).toContain('chaos: 5 nodes, 20 faults, seed 20');
    expect(output.match(/^#\s*\d+ /gm) ?? []).toHaveLength(20);
    expect(output, output).toContain('verdict: PASS');
    expect(code).toBe(0);
  }, 240_000);
});
