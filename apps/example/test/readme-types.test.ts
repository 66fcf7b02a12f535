import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { typeCheckBlocks } from '@election/tools';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * Every TypeScript and JavaScript code block of every package's README (and the root README)
 * type-checks under `strict` and `nodenext` (JavaScript ones as .mjs, with allowJs and checkJs), as a user's project would compile it against the built packages. Each
 * block is its own module, in a scratch folder inside its package (so imports resolve as they would
 * for a user of that package). A block that uses names an earlier paragraph introduced says so in
 * an HTML comment right above it, which the rendered README does not show:
 * `<!-- ts-context: import type { Elector } from '@election/core'; declare const elector: Elector; -->`
 * and `<!-- ts-context in packages/etcd/test: … -->` checks the block as if it sat in that folder.
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SCRATCH = '.readme-types';
const READMES = [
  'README.md',
  ...readdirSync(join(ROOT, 'packages')).map((name) => `packages/${name}/README.md`),
  'apps/example/README.md',
];

/**
 * The fences the type-check reads: TypeScript blocks, and JavaScript ones (runnable `.mjs`
 * examples, checked with allowJs + checkJs), each opened at the start of a line.
 */
const CHECKED_LANGUAGES = ['ts', 'typescript', 'js', 'javascript', 'mjs'] as const;

/** A JavaScript block is written as an .mjs module (top-level await, ESM imports), else as .ts. */
const extensionOf = (language: string) => (/^(js|javascript|mjs)$/.test(language) ? 'mjs' : 'ts');

/** Optional ts-context comment (1: folder, 2: declarations), language (3), body (4). */
const README_FENCE = new RegExp(
  `(?:<!-- ts-context(?: in ([^:\\n]+))?: ([\\s\\S]*?) -->\\n)?^\`\`\`(${CHECKED_LANGUAGES.join('|')})[ \\t]*\\n([\\s\\S]*?)^\`\`\`[ \\t]*$`,
  'gm',
);

/** Each README that exists, with its text. */
function readmes(): Array<{ readonly readme: string; readonly text: string }> {
  const found: Array<{ readonly readme: string; readonly text: string }> = [];
  for (const readme of READMES) {
    try {
      found.push({ readme, text: readFileSync(join(ROOT, readme), 'utf8') });
    } catch {
      // not every package has one
    }
  }
  return found;
}

interface Block {
  readonly readme: string;
  readonly line: number;
  readonly file: string;
}

const written = new Set<string>();
afterAll(() => {
  for (const dir of written) rmSync(dir, { recursive: true, force: true });
});

function extract(): Block[] {
  const blocks: Block[] = [];
  for (const { readme, text } of readmes()) {
    // README at the root: resolved from the example app, which depends on every package.
    const home = readme === 'README.md' ? join(ROOT, 'apps/example') : join(ROOT, dirname(readme));
    const scratch = join(home, SCRATCH);
    const fence = new RegExp(README_FENCE.source, README_FENCE.flags);
    for (let match = fence.exec(text); match !== null; match = fence.exec(text)) {
      const line = text.slice(0, match.index).split('\n').length + (match[2] === undefined ? 0 : 1);
      const dir = match[1] === undefined ? scratch : join(ROOT, match[1], SCRATCH);
      const file = join(dir, `${readme.replace(/[/.]/g, '_')}_line${line}.${extensionOf(match[3] ?? '')}`);
      mkdirSync(dir, { recursive: true });
      written.add(dir);
      writeFileSync(file, `${match[2] ?? ''}\n${match[4] ?? ''}\nexport {};\n`);
      blocks.push({ readme, line, file });
    }
  }
  return blocks;
}

describe('README code blocks', () => {
  it('type-check under strict and nodenext against the built packages', async () => {
    const blocks = extract();
    expect(blocks.length).toBeGreaterThanOrEqual(15);
    mkdirSync(join(ROOT, 'apps/example', SCRATCH), { recursive: true });
    const tsconfig = join(ROOT, 'apps/example', SCRATCH, 'tsconfig.json');
    writeFileSync(
      tsconfig,
      JSON.stringify({
        compilerOptions: {
          strict: true,
          allowJs: true,
          checkJs: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          lib: ['es2023', 'dom'],
          types: ['node'],
          noEmit: true,
          skipLibCheck: true,
        },
        files: blocks.map((block) => relative(dirname(tsconfig), block.file)),
      }),
    );
    const errors = await typeCheckBlocks(
      tsconfig,
      blocks.map((block) => ({ file: block.file, where: `${block.readme}, block at line ${block.line}` })),
      ROOT,
    );
    console.log(`README code blocks: ${blocks.length} type-checked, ${errors.length} errors`);
    expect(errors).toEqual([]);
  }, 120_000);
  // A README's ```js blocks (the runnable examples users copy first) and indented fences (in
  // lists) were once never checked (issue 20 review): no block importing a package of ours may
  // stand outside the fences checked above.
  it('leaves no block importing @election/* outside the checked fences', () => {
    const skipped: string[] = [];
    for (const { readme, text } of readmes()) {
      const fence = /^([ \t]*)(```|~~~)([\w-]*)[^\n]*\n([\s\S]*?)^\1\2[ \t]*$/gm;
      for (let match = fence.exec(text); match !== null; match = fence.exec(text)) {
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
