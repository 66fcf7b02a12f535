/**
 * The README fences the type-check (readme-types.test.ts) reads, shared with the review test that
 * looks for blocks it would skip: TypeScript blocks, and JavaScript ones (runnable `.mjs` examples,
 * checked with allowJs + checkJs), each opened at the start of a line.
 */
export const CHECKED_LANGUAGES = ['ts', 'typescript', 'js', 'javascript', 'mjs'] as const;

/** A JavaScript block is written as an .mjs module (top-level await, ESM imports), else as .ts. */
export const extensionOf = (language: string) => (/^(js|javascript|mjs)$/.test(language) ? 'mjs' : 'ts');

/** Optional ts-context comment (1: folder, 2: declarations), language (3), body (4). */
export const README_FENCE = new RegExp(
  `(?:<!-- ts-context(?: in ([^:\\n]+))?: ([\\s\\S]*?) -->\\n)?^\`\`\`(${CHECKED_LANGUAGES.join('|')})[ \\t]*\\n([\\s\\S]*?)^\`\`\`[ \\t]*$`,
  'gm',
);
