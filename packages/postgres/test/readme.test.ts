import { readFileSync } from 'node:fs';
import { codeBlocks } from '@election/tools';
import { describe, expect, it } from 'vitest';
import { grantsSql, migrationSql } from '../src/index.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const sql = codeBlocks(readme).filter((block) => block.lang === 'sql');

describe('the README', () => {
  it("shows the migration and the grants as the adapter runs them (a DBA's copy cannot drift)", () => {
    expect(sql.map((block) => block.code.trim())).toEqual([
      migrationSql('election').trim(),
      grantsSql('election', 'app_user').trim(),
    ]);
  });
});
