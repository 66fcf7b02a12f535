import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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
