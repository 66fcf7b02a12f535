import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Orders test files longest first across every project, so that with several workers the long files
 * start at once and the short ones fill in behind them, instead of the last project's slow file
 * starting last and running alone (vitest's own order groups files by project name, and on a fresh
 * clone, with no results cache, knows no durations).
 *
 * A file's duration comes from vitest's results cache when this checkout ran it before, else from
 * scripts/test-durations.json (measured on the 2-core CI machine: `node scripts/test-durations.mjs
 * <vitest json report>` rewrites it), else 0 (new files run among the short ones). A file that failed
 * last time runs first, as vitest's own sequencer does.
 */
const recorded: Readonly<Record<string, number>> = JSON.parse(
  readFileSync(new URL('./test-durations.json', import.meta.url), 'utf8'),
);

export default class SlowestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const cache = this.ctx.cache;
    const weigh = (spec: TestSpecification) => {
      const path = relative(root, spec.moduleId).split('\\').join('/');
      const cached = cache.getFileTestResults(`${spec.project.name}:${relative(root, spec.moduleId)}`);
      return { failed: cached?.failed ?? false, duration: cached?.duration ?? recorded[path] ?? 0, path };
    };
    const weighed = files.map((spec) => ({ spec, ...weigh(spec) }));
    weighed.sort(
      (a, b) =>
        a.spec.project.config.sequence.groupOrder - b.spec.project.config.sequence.groupOrder ||
        Number(b.failed) - Number(a.failed) ||
        b.duration - a.duration ||
        a.path.localeCompare(b.path),
    );
    return weighed.map(({ spec }) => spec);
  }
}
