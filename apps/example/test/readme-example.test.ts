import { fileURLToPath } from 'node:url';
import {
  type EtcdServer,
  type ExampleProcess,
  findOnPath,
  type PostgresServer,
  readmeExample,
  replaceOnce,
  rootReadmeExampleOn,
  startEtcd,
  startExample,
  startPostgres,
} from '@election/tools';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './helpers.js';

const readme = fileURLToPath(new URL('../../../README.md', import.meta.url));
const scratchDir = fileURLToPath(new URL('../.tmp/', import.meta.url));
const etcdBinary = findOnPath('etcd');
const postgresInstalled = findOnPath('pg_config') !== undefined;

/** The root README's example, word for word except its membership line and that line's import. */
const exampleOn = (importLine: string, membershipLine: string) =>
  rootReadmeExampleOn(readme, importLine, membershipLine);

const running: ExampleProcess[] = [];
afterEach(async () => {
  for (const example of running.splice(0)) await example.dispose();
});

/** The README's own line of `block` that starts with `prefix`. */
function lineOf(block: string, prefix: string): string {
  const line = block.split('\n').find((text) => text.startsWith(prefix));
  if (line === undefined) throw new Error(`the root README no longer has a line starting ${prefix}`);
  return line;
}

/** Runs the example until it leads, then SIGTERM: it must end by itself, soon after stop(). */
async function leadsThenExits(code: string, term: RegExp): Promise<number | undefined> {
  const example = startExample({ code, scratchDir, name: 'root-readme' });
  running.push(example);
  const line = await waitFor(
    'the example to lead',
    () => example.lines.find((text) => text.startsWith('leading, fencing token')),
    15_000,
  );
  expect(line).toMatch(term);
  await waitFor('the example to finish its start-up', () =>
    example.records.some((record) => record.type === 'started'),
  );
  const exit = await example.terminate();
  expect(exit.killed, 'the process was still running 5 s after SIGTERM').toBe(false);
  expect(exit.code, example.process.stderrTail()).toBe(0);
  expect(exit.afterStopMs).toBeLessThan(1000);
  return exit.afterStopMs;
}

describe('the root README example, run as written in its own process', () => {
  it('runs unchanged on the static backend (view mode: no fencing token)', async () => {
    const code = exampleOn(
      "import { createStaticMembership } from '@election/static';",
      "const membership = createStaticMembership({ members: [{ id: 'node-1' }] });",
    );
    const afterStopMs = await leadsThenExits(code, /^leading, fencing token null$/);
    console.log(`root README on static: exited ${afterStopMs?.toFixed(1)} ms after stop() resolved`);
  }, 30_000);

  describe.skipIf(!etcdBinary)('on etcd', () => {
    let etcd: EtcdServer | undefined;
    beforeAll(async () => {
      etcd = await startEtcd({ binary: etcdBinary ?? 'etcd' });
    }, 30_000);
    afterAll(async () => etcd?.stop());

    it('runs unchanged on a real etcd (confirmed mode: a revision as fencing token)', async () => {
      const endpoint = etcd?.endpoints[0] ?? '';
      const code = exampleOn(
        "import { createEtcdMembership } from '@election/etcd';",
        `const membership = createEtcdMembership({ endpoints: ['${endpoint}'], election: 'readme-${process.pid}' });`,
      );
      const afterStopMs = await leadsThenExits(code, /^leading, fencing token [1-9]\d*$/);
      console.log(`root README on etcd: exited ${afterStopMs?.toFixed(1)} ms after stop() resolved`);
    }, 30_000);
  });

  describe.skipIf(!postgresInstalled)('on PostgreSQL', () => {
    let postgres: PostgresServer | undefined;
    beforeAll(async () => {
      postgres = await startPostgres({ external: false });
    }, 60_000);
    afterAll(async () => postgres?.stop());

    it("runs unchanged on a real PostgreSQL with the README's PostgreSQL lines (confirmed mode: a token from the sequence)", async () => {
      const swap = readmeExample(readme, 'createPostgresMembership(');
      const membershipLine = replaceOnce(
        lineOf(swap, 'const membership = createPostgresMembership('),
        'postgres://app@127.0.0.1:5432/app',
        postgres?.url ?? '',
      );
      const code = exampleOn(
        lineOf(swap, "import { createPostgresMembership } from '@election/postgres';"),
        membershipLine,
      );
      const afterStopMs = await leadsThenExits(code, /^leading, fencing token [1-9]\d*$/);
      console.log(`root README on PostgreSQL: exited ${afterStopMs?.toFixed(1)} ms after stop() resolved`);
    }, 60_000);
  });
});
