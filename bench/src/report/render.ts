import type { BenchResults, TableRow } from './results.js';
import { coreRows } from './rows-core.js';
import { failoverRows } from './rows-failover.js';
import { scaleRows } from './rows-scale.js';

export function tableRows(results: BenchResults): TableRow[] {
  return [
    ...(results.core ? coreRows(results.core) : []),
    ...(results.failover ? failoverRows(results.failover) : []),
    ...(results.scale ? scaleRows(results.scale) : []),
    ...[...results.errors, ...(results.failover?.errors ?? [])].map((message) => ({
      part: 'error',
      measure: 'a run that did not complete',
      result: message,
      target: 'completes',
      verdict: 'FAIL',
    })),
  ];
}

/** The one table, as Markdown (it reads fine in a terminal too). */
export function renderTable(rows: readonly TableRow[]): string {
  const escapePipes = (text: string) => text.replaceAll('|', '\\|');
  const lines = ['| part | measure | result | target | verdict |', '| --- | --- | --- | --- | --- |'];
  for (const row of rows) {
    lines.push(
      `| ${[row.part, row.measure, row.result, row.target, row.verdict].map(escapePipes).join(' | ')} |`,
    );
  }
  return lines.join('\n');
}
