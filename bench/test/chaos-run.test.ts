import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const chaos = fileURLToPath(new URL('../src/chaos.ts', import.meta.url));
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const builtDist = ['packages/core/dist/index.js', 'packages/etcd/dist/index.js'].map(
  (file) => `${root}${file}`,
);

/** Runs `pnpm chaos --faults 20` (node processes use the built packages) and returns exit code and output. */
function runChaos(args: readonly string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', tsx, chaos, ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('exit', (code) => resolve({ code, output }));
  });
}

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

  it('fails, with a non-zero exit, when the nodes run without the lock (view mode)', async () => {
    const { code, output } = await runChaos(['--faults', '3', '--seed', '4', '--mode', 'view']);
    expect(output).toContain('verdict: FAIL');
    expect(output).toMatch(/missing-term: n\d#\d led from .* without a fencing token/);
    expect(code).toBe(1);
  }, 120_000);
});
