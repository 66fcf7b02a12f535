import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHECKED_LANGUAGES } from './readme-fences.js';

/**
 * Review of issue 20: "a test type-checks every README code block of every package".
 * test/readme-types.test.ts takes only fences opened with ```ts or ```typescript at the start of a
 * line; a README's ```js blocks (the runnable examples users copy first) and indented fences (in
 * lists) are never checked. This lists the blocks that import a package of ours and are not checked.
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const READMES = [
  'README.md',
  ...readdirSync(join(ROOT, 'packages')).map((name) => `packages/${name}/README.md`),
  'apps/example/README.md',
];

describe('review: README code blocks the type-check test skips', () => {
  it('has no block importing @election/* outside the checked ts fences', () => {
    const skipped: string[] = [];
    for (const readme of READMES) {
      let text: string;
      try {
        text = readFileSync(join(ROOT, readme), 'utf8');
      } catch {
        continue;
      }
      const fence = /^([ \t]*)(```|~~~)([\w-]*)[^\n]*\n([\s\S]*?)^\1\2[ \t]*$/gm;
      for (let match = fence.exec(text); match !== null; match = fence.exec(text)) {
        // The languages the type-check reads (ts and, since this review, js: shared with it).
        const checked =
          match[1] === '' &&
          match[2] === '```' &&
          (CHECKED_LANGUAGES as readonly string[]).includes(match[3] ?? '');
        if (!checked && /from '@election\//.test(match[4] ?? '')) {
          skipped.push(
            `${readme}:${text.slice(0, match.index).split('\n').length} (${match[3] || 'no language'})`,
          );
        }
      }
    }
    expect(skipped).toEqual([]);
  });
});
