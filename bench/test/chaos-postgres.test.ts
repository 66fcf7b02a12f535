import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { builtDist, root, runChaos } from './support/run-chaos.js';

// Twelve faults, seed 23: every node kind and every database kind occurs (asserted below), and the
// database's pause (2.7 s) outlasts the 2 s TTL, so every registration expires by the server's
// clock while it sleeps. `pnpm chaos --backend postgres` runs 200.
describe('pnpm chaos --backend postgres', () => {
  it('keeps one leader at a time through PostgreSQL killed, paused and restarted and nodes killed and paused, fenced writes in order', async () => {
    const missing = [...builtDist, `${root}packages/postgres/dist/index.js`].filter(
      (file) => !existsSync(file),
    );
    expect(missing, 'build first: pnpm exec turbo run build --filter @election/postgres...').toEqual([]);
    const { code, output } = await runChaos(['--backend', 'postgres', '--faults', '12', '--seed', '23']);
    expect(output).toContain('chaos: 5 nodes on postgres, 12 faults, seed 23');
    expect(output.match(/^#\s*\d+ /gm) ?? []).toHaveLength(12);
    for (const kind of ['kill', 'restart', 'pause', 'db-kill', 'db-pause', 'db-restart']) {
      expect(output).toMatch(new RegExp(`^#\\s*\\d+ +\\+[\\d.]+s ${kind} `, 'm'));
    }
    expect(output).toMatch(/db-pause +postgres +→ n\d leads alone \d+ ms after postgres was back/);
    expect(output, output).toContain('verdict: PASS');
    expect(code).toBe(0);
  }, 240_000);
});
