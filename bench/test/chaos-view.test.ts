import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { builtDist, runChaos } from './support/run-chaos.js';

// Split from chaos-run.test.ts so the two chaos runs take separate workers.
// One fault: in view mode the first leadership already has no fencing token, which is what the
// checker must catch (missing-term); the two more faults it ran before added nothing to check.
describe('pnpm chaos', () => {
  it('fails, with a non-zero exit, when the nodes run without the lock (view mode)', async () => {
    const missing = builtDist.filter((file) => !existsSync(file));
    expect(missing, 'build first: pnpm exec turbo run build --filter @election/etcd...').toEqual([]);
    const { code, output } = await runChaos(['--faults', '1', '--seed', '4', '--mode', 'view']);
    expect(output).toContain('verdict: FAIL');
    expect(output).toMatch(/missing-term: n\d#\d led from .* without a fencing token/);
    expect(code).toBe(1);
  }, 120_000);
});
