import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * A tsconfig for tsx (`TSX_TSCONFIG_PATH`) that maps every `@election/*` package to its sources: a
 * child process running a README example then runs the code under test, with no build.
 */
export const sourceTsconfig = fileURLToPath(new URL('../tsconfig.source.json', import.meta.url));

/** One fenced code block of a Markdown file: its info string (`ts`, `sh`) and its text. */
export interface CodeBlock {
  readonly lang: string;
  readonly code: string;
}

/** Every fenced (```) code block of `markdown`, in order. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const fence = /^```([^\n`]*)\n([\s\S]*?)^```[ \t]*$/gm;
  for (let match = fence.exec(markdown); match !== null; match = fence.exec(markdown)) {
    blocks.push({ lang: (match[1] ?? '').trim(), code: match[2] ?? '' });
  }
  return blocks;
}

/** A fenced code block with where it starts and the notes written right above it. */
export interface AnnotatedBlock extends CodeBlock {
  /** 1-based line of the opening fence. */
  readonly line: number;
  /**
   * The HTML comments (invisible when rendered) on the lines right above the fence, by name:
   * `<!-- ts-context in packages/etcd: declare const x: number; -->` gives
   * `{ 'ts-context': { in: 'packages/etcd', text: 'declare const x: number;' } }`.
   */
  readonly notes: Readonly<Record<string, { readonly in?: string; readonly text: string }>>;
}

/** Every fenced code block of `markdown`, with its line and the `<!-- name[ in folder]: text -->` notes above it. */
export function annotatedCodeBlocks(markdown: string): AnnotatedBlock[] {
  const blocks: AnnotatedBlock[] = [];
  const fence = /((?:^<!-- [\w-]+(?: in [^:\n]+)?:[^\n]*?-->\n)*)^```([^\n`]*)\n([\s\S]*?)^```[ \t]*$/gm;
  for (let match = fence.exec(markdown); match !== null; match = fence.exec(markdown)) {
    const notesText = match[1] ?? '';
    const notes: Record<string, { in?: string; text: string }> = {};
    for (const note of notesText.matchAll(/^<!-- ([\w-]+)(?: in ([^:\n]+))?:([^\n]*?)-->$/gm)) {
      notes[note[1] as string] = {
        ...(note[2] === undefined ? {} : { in: note[2].trim() }),
        text: (note[3] ?? '').trim(),
      };
    }
    const line = markdown.slice(0, match.index + notesText.length).split('\n').length;
    blocks.push({ lang: (match[2] ?? '').trim(), code: match[3] ?? '', line, notes });
  }
  return blocks;
}

/**
 * The one `ts` block of the Markdown file `path` that contains `marker`: a test runs a README's
 * example as it is written, so the README cannot drift from the code. Throws, naming the file, when
 * no block or several blocks match.
 */
export function readmeExample(path: string, marker: string): string {
  const matches = codeBlocks(readFileSync(path, 'utf8')).filter(
    (block) => (block.lang === 'ts' || block.lang === 'typescript') && block.code.includes(marker),
  );
  if (matches.length !== 1) {
    throw new Error(
      `${path}: expected one ts code block containing ${JSON.stringify(marker)}, found ${matches.length}`,
    );
  }
  return matches[0]?.code ?? '';
}

/**
 * `code` with `from` replaced by `to`, exactly once: an example adapted to a test machine (addresses,
 * ports) fails loudly when the README no longer says what the test expects.
 */
export function replaceOnce(code: string, from: string, to: string): string {
  const at = code.indexOf(from);
  if (at < 0 || code.indexOf(from, at + from.length) >= 0) {
    throw new Error(`expected ${JSON.stringify(from)} exactly once in the example:\n${code}`);
  }
  return code.slice(0, at) + to + code.slice(at + from.length);
}

/**
 * Runs tsc on the project `tsconfig` (from `cwd`) and returns its error lines, each naming the
 * code block whose scratch file it is about (`where`, e.g. "README.md, block at line 12") instead
 * of the file. No errors: an empty list.
 */
export async function typeCheckBlocks(
  tsconfig: string,
  blocks: ReadonlyArray<{ readonly file: string; readonly where: string }>,
  cwd: string,
): Promise<string[]> {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const { stdout } = await promisify(execFile)(process.execPath, [tsc, '-p', tsconfig], { cwd }).catch(
    (error: { stdout?: string }) => ({ stdout: error.stdout ?? String(error) }),
  );
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const block = blocks.find((b) => line.includes(relative(cwd, b.file)) || line.includes(b.file));
      return block ? `${block.where}: ${line.replace(/^.*?\.m?ts|^.*?\.mjs/, '')}` : line;
    });
}
