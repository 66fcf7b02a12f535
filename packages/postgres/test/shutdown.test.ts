import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@election/testing';
import { readmeExample, spawnScript } from '@election/tools';
import { describe, expect, it } from 'vitest';
import { usePostgres } from './postgres.js';

const postgres = usePostgres();
const readme = fileURLToPath(new URL('../README.md', import.meta.url));
const tsconfig = fileURLToPath(new URL('./support/tsconfig.child.json', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const epochNow = () => performance.timeOrigin + performance.now();

/** The README's example as a script, plus one line that prints when stop() resolves. */
function readmeScript(): { path: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'election-postgres-readme-'));
  const stopped = `\nprocess.once('SIGTERM', () => void elector.stop().then(() => console.log(JSON.stringify({ stoppedAt: performance.timeOrigin + performance.now() }))));\n`;
  const path = join(dir, 'readme-process.ts');
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }');
  writeFileSync(path, readmeExample(readme, 'createPostgresMembership') + stopped);
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

describe('a process that follows the README', () => {
  it('leads, and exits by itself within 1 s of stop() resolving after SIGTERM (no socket or timer left)', async () => {
    const script = readmeScript();
    const lines: string[] = [];
    let stoppedAt: number | undefined;
    let exitedAt: number | undefined;
    const child = spawnScript({
      script: script.path,
      cwd: repoRoot,
      env: {
        ...process.env,
        TSX_TSCONFIG_PATH: tsconfig,
        DATABASE_URL: postgres.server().url,
        NODE_ID: 'node-1',
      },
      onText: (line) => lines.push(line),
      onJson: (record) => {
        if (typeof record.stoppedAt === 'number') stoppedAt = record.stoppedAt;
      },
    });
    child.child.once('exit', () => {
      exitedAt = epochNow();
    });
    try {
      await waitFor(() => lines.some((line) => line.startsWith('leading, fencing token')) || !child.alive, {
        timeoutMs: 20_000,
        message: 'the README node to lead',
        describe: () => `stdout=${JSON.stringify(lines)} stderr=${child.stderrTail()}`,
      });
      expect(child.alive, child.stderrTail()).toBe(true);
      child.signal('SIGTERM');
      await waitFor(() => exitedAt !== undefined, {
        timeoutMs: 10_000,
        message: 'the README node to exit by itself after SIGTERM',
        describe: () => `stoppedAt=${stoppedAt} stdout=${JSON.stringify(lines)} stderr=${child.stderrTail()}`,
      });
      expect(stoppedAt).toBeDefined();
      const exitMs = Math.round((exitedAt as number) - (stoppedAt as number));
      console.log(`README process: exited ${exitMs} ms after elector.stop() resolved`);
      expect(exitMs).toBeLessThanOrEqual(1000);
      expect(child.child.signalCode).toBeNull();
      expect(child.child.exitCode).toBe(0);
      // It resigned: its row is gone.
      const { rows } = await postgres
        .admin()
        .query('select count(*)::int as n from election.election_members');
      expect(rows[0].n).toBe(0);
    } finally {
      await child.dispose();
      script.remove();
    }
  }, 40_000);
});
