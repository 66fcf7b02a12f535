import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AnnotatedBlock, annotatedCodeBlocks, sourceTsconfig, typeCheckBlocks } from '@election/tools';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_MEMORY_CAPABILITIES } from '../src/index.js';

/**
 * The TypeScript blocks of the adapter guide and of this package's README, as written: each one
 * either runs here (imported into this file, so the tests and suites it declares run in this
 * file, and type-checked against the packages' sources), or copies a file of the repository that
 * runs elsewhere (`<!-- verbatim: path -->`: it must equal that file), or is marked as an excerpt
 * of a file (`<!-- excerpt: path -->`: a fragment of a class, say, which cannot run alone).
 * `<!-- ts-context: … -->` right above a block gives the names an earlier paragraph introduced.
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SCRATCH = fileURLToPath(new URL('../.doc-blocks/', import.meta.url));
const DOCS = ['docs/writing-an-adapter.md', 'docs/adapter-from-zero.md', 'packages/testing/README.md'];
/** The package docs/adapter-from-zero.md builds: each of its files is in that page, verbatim. */
const FROM_ZERO = 'packages/example-table';

interface DocBlock extends AnnotatedBlock {
  readonly doc: string;
  /** The scratch module a runnable block is written to. */
  readonly file: string;
}

const blocks: DocBlock[] = DOCS.flatMap((doc) =>
  annotatedCodeBlocks(readFileSync(join(ROOT, doc), 'utf8'))
    // JSON blocks count only as copies of files (package.json, tsconfig.json).
    .filter(
      (block) => ['ts', 'typescript'].includes(block.lang) || (block.lang === 'json' && block.notes.verbatim),
    )
    .map((block) => ({
      ...block,
      doc,
      file: join(SCRATCH, `${doc.replace(/[/.]/g, '_')}_line${block.line}.ts`),
    })),
);
const where = (block: DocBlock) => `${block.doc}, block at line ${block.line}`;
const runnable = blocks.filter((block) => !block.notes.verbatim && !block.notes.excerpt);

rmSync(SCRATCH, { recursive: true, force: true });
mkdirSync(SCRATCH, { recursive: true });
for (const block of runnable) {
  writeFileSync(block.file, `${block.notes['ts-context']?.text ?? ''}\n${block.code}\nexport {};\n`);
}
afterAll(() => rmSync(SCRATCH, { recursive: true, force: true }));

// Executing each block: importing it registers the tests and contract suites it declares, here.
const modules = new Map<DocBlock, Record<string, unknown>>();
for (const block of runnable) modules.set(block, await import(block.file));

describe('the code blocks of docs/writing-an-adapter.md and packages/testing/README.md', () => {
  it('each runs here, copies a file verbatim, or is marked as an excerpt of a file that exists', () => {
    expect(runnable.map(where)).toHaveLength(7);
    for (const block of blocks) {
      const { verbatim, excerpt, 'ts-context': context } = block.notes;
      if (verbatim) {
        expect(block.code, `${where(block)} differs from ${verbatim.text}`).toBe(
          readFileSync(join(ROOT, verbatim.text), 'utf8'),
        );
      } else if (excerpt) {
        expect(existsSync(join(ROOT, excerpt.text)), `${where(block)}: no file ${excerpt.text}`).toBe(true);
      } else {
        // A block run here is checked in this folder, not beside another package's sources.
        expect(context?.in, `${where(block)} runs here, so its ts-context names no folder`).toBeUndefined();
      }
    }
  });

  it(`docs/adapter-from-zero.md holds every file of ${FROM_ZERO}`, () => {
    const copied = new Set(blocks.flatMap((block) => block.notes.verbatim?.text ?? []));
    const files = execFileSync('git', ['ls-files', FROM_ZERO], { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter((file) => file !== '');
    expect(files.length).toBeGreaterThan(10);
    expect(files.filter((file) => !copied.has(file))).toEqual([]);
  });

  it("type-check against the packages' sources", async () => {
    const tsconfig = join(SCRATCH, 'tsconfig.json');
    writeFileSync(
      tsconfig,
      JSON.stringify({
        extends: relative(SCRATCH, sourceTsconfig),
        compilerOptions: { noEmit: true },
        files: runnable.map((block) => relative(SCRATCH, block.file)),
      }),
    );
    const errors = await typeCheckBlocks(
      tsconfig,
      runnable.map((block) => ({ file: block.file, where: where(block) })),
      ROOT,
    );
    expect(errors).toEqual([]);
  }, 120_000);

  it("the guide's capabilities are the memory backend's own", () => {
    const declared = [...modules.values()].find((module) => 'DEFAULT_MEMORY_CAPABILITIES' in module);
    expect(declared?.DEFAULT_MEMORY_CAPABILITIES).toEqual(DEFAULT_MEMORY_CAPABILITIES);
  });
});
