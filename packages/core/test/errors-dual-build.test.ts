import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * An app that mixes `import` and `require` loads both builds of @election/core, so it holds two
 * copies of every error class. An error made by one copy must still be recognised by the other.
 * Needs the built dist (`pnpm turbo run build --filter=@election/core`), which `pnpm test` builds.
 */
const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const built = existsSync(join(dist, 'index.js')) && existsSync(join(dist, 'index.cjs'));

describe.skipIf(!built)(
  built
    ? 'error classes across the ESM and CJS builds'
    : 'error classes across builds: SKIPPED, core is not built',
  () => {
    it('instanceof and isElectionError(e, code) hold whichever build made the error', async () => {
      type Core = typeof import('../src/index.js');
      const esm = (await import(join(dist, 'index.js'))) as Core;
      const cjs = createRequire(import.meta.url)(join(dist, 'index.cjs')) as Core;
      expect(esm.ConfigurationError).not.toBe(cjs.ConfigurationError); // two copies indeed

      for (const [made, other] of [
        [esm, cjs],
        [cjs, esm],
      ] as const) {
        const error = new made.ConfigurationError('ttlMs must be positive.');
        expect(error instanceof other.ConfigurationError).toBe(true);
        expect(error instanceof other.ElectionError).toBe(true);
        expect(error instanceof other.DuplicateMemberError).toBe(false);
        expect(other.isElectionError(error)).toBe(true);
        expect(other.isElectionError(error, 'INVALID_OPTION')).toBe(true);
        expect(other.isElectionError(error, 'DUPLICATE_MEMBER')).toBe(false);
        const duplicate = new made.DuplicateMemberError('node-a', 'taken');
        expect(duplicate instanceof other.DuplicateMemberError).toBe(true);
        expect(duplicate instanceof other.ConfigurationError).toBe(false);
      }
      expect(esm.isElectionError(new Error('plain'))).toBe(false);
      expect(esm.isElectionError(null)).toBe(false);
      expect(new Error('plain') instanceof esm.ElectionError).toBe(false);
      // A user's own subclass keeps plain prototype semantics.
      class Mine extends esm.ConfigurationError {}
      expect(new esm.ConfigurationError('x') instanceof Mine).toBe(false);
      expect(new Mine('x') instanceof Mine).toBe(true);
      expect(new Mine('x') instanceof cjs.ConfigurationError).toBe(true);
      // A separate node process, to be sure: require() of the CJS build sees an ESM-made error.
      const out = execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `import { createRequire } from 'node:module';
           const esm = await import(${JSON.stringify(join(dist, 'index.js'))});
           const cjs = createRequire(import.meta.url)(${JSON.stringify(join(dist, 'index.cjs'))});
           console.log(new esm.ConfigurationError('x') instanceof cjs.ConfigurationError);`,
        ],
        { encoding: 'utf8' },
      );
      expect(out.trim()).toBe('true');
    }, 15_000); // it also starts a node process: seconds when other files share the CPU
  },
);
