// `node scripts/test-durations.mjs report.json` rewrites scripts/test-durations.json from a vitest
// JSON report (`vitest run --reporter=json --outputFile=report.json`, a full run on the CI machine):
// each test file's wall time, rounded to 100 ms, longest first. The slowest-first sequencer reads it.
import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const report = process.argv[2];
if (!report) {
  console.error('usage: node scripts/test-durations.mjs <vitest json report>');
  process.exit(2);
}
const root = fileURLToPath(new URL('..', import.meta.url));
const { testResults } = JSON.parse(readFileSync(report, 'utf8'));
const durations = testResults
  .map((file) => [
    relative(root, file.name).split('\\').join('/'),
    Math.round((file.endTime - file.startTime) / 100) * 100,
  ])
  .filter(([, ms]) => Number.isFinite(ms))
  .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
const out = fileURLToPath(new URL('./test-durations.json', import.meta.url));
writeFileSync(out, `${JSON.stringify(Object.fromEntries(durations), null, 2)}\n`);
console.log(`${durations.length} files written to ${relative(root, out)}`);
