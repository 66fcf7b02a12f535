import { findOnPath } from '@election/tools';
import { describe, expect, it } from 'vitest';
import { CLI, DEMO, getText, killLeftovers, requireBuilt, spawnScript, waitFor } from './helpers.js';

async function runDemo(args: string[]) {
  requireBuilt(CLI);
  const demo = spawnScript(DEMO, args);
  const started = performance.now();
  const exit = await demo.exited;
  return {
    exit,
    seconds: (performance.now() - started) / 1000,
    output: demo.stdout(),
    errors: demo.stderr(),
  };
}

function expectFailoverAndHandBack(output: string): void {
  const failover = /✔ failover: (node-\d) leads/.exec(output);
  expect(failover?.[1]).toBeDefined();
  expect(failover?.[1]).not.toBe('node-1');
  expect(output).toMatch(/✔ node-1 leads and all three nodes agree/);
  expect(output).toMatch(/✔ hand-back: node-1 leads again/);
  expect(output).toContain(`Leader after each step: node-1 → ${failover?.[1]} → node-1`);
  expect(output.match(/exited with 0 in \d+ ms/g)).toHaveLength(3);
  for (const id of ['node-1', 'node-2', 'node-3']) {
    expect(output).toMatch(new RegExp(`^    ${id}  http://127\\.0\\.0\\.1:\\d+/$`, 'm'));
  }
}

describe('pnpm demo', () => {
  it('runs three static nodes, fails over after a SIGKILL, hands back, and exits 0 in under 60 s', async () => {
    const { exit, seconds, output, errors } = await runDemo([]);
    expect(errors).toBe('');
    expect(exit.code).toBe(0);
    expect(seconds).toBeLessThan(60);
    expect(output).toContain('3 nodes on the static backend');
    expectFailoverAndHandBack(output);
  }, 70_000);

  const servers = [
    { backend: 'etcd', binary: 'etcd', announced: /throwaway etcd \(.+\) on http:\/\/127\.0\.0\.1:\d+/ },
    {
      backend: 'postgres',
      binary: 'pg_config',
      announced: /throwaway PostgreSQL \(.+\) on 127\.0\.0\.1:\d+/,
    },
  ];
  for (const { backend, binary, announced } of servers) {
    it.skipIf(!findOnPath(binary))(
      `does the same with --backend ${backend} on a throwaway ${backend} server`,
      async () => {
        const { exit, seconds, output, errors } = await runDemo(['--backend', backend]);
        expect(errors).toBe('');
        expect(exit.code).toBe(0);
        expect(seconds).toBeLessThan(60);
        expect(output).toContain(`3 nodes on the ${backend} backend`);
        expect(output).toMatch(announced);
        expect(output).toMatch(/term \d+/);
        expectFailoverAndHandBack(output);
      },
      70_000,
    );
  }

  it('with --backend postgres and no PostgreSQL installed, says what to install and exits 1', async () => {
    requireBuilt(CLI);
    const demo = spawnScript(DEMO, ['--backend', 'postgres'], { POSTGRES_BINDIR: '/nonexistent/bin' });
    const exit = await demo.exited;
    expect(exit.code).toBe(1);
    expect(demo.stderr()).toContain(
      'demo: PostgreSQL is not installed (initdb, postgres, pg_isready not in /nonexistent/bin). Install PostgreSQL 12+',
    );
    expect(demo.stdout()).not.toMatch(/starting node-1/);
  });

  it('with --keep, keeps the cluster and its live pages up after the hand-back until Ctrl-C', async () => {
    requireBuilt(CLI);
    const demo = spawnScript(DEMO, ['--keep']);
    try {
      // A demo that ends (a step failed) or stalls says why: its output goes into the failure.
      const kept = waitFor(
        'the demo to keep the cluster running',
        () => demo.stdout().includes('» --keep'),
        30_000,
      );
      kept.catch(() => {}); // when the demo exits first, the race below reports it
      const outcome = await Promise.race([
        kept.then(() => 'kept'),
        demo.exited.then(
          () => `the demo exited (${demo.stdout().includes('» --keep') ? 'after' : 'before'} --keep)`,
        ),
      ]).catch((error: Error) => error.message);
      if (outcome !== 'kept')
        throw new Error(`${outcome}\nstdout:\n${demo.stdout()}\nstderr:\n${demo.stderr()}`);
      const page = /^ {4}node-2 {2}(http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(demo.stdout())?.[1];
      expect(page).toBeDefined();
      const answer = await getText(page ?? '');
      expect(answer.status).toBe(200);
      expect(answer.body).toContain('<title>election-node: node-2</title>');
      demo.child.kill('SIGINT');
      expect((await demo.exited).code).toBe(0);
      expect(demo.stdout()).toContain('Leader after each step: node-1 → ');
    } finally {
      killLeftovers([demo]);
    }
  }, 60_000);

  it('rejects an unknown backend or argument with exit code 2', async () => {
    const { exit, errors } = await runDemo(['--backend', 'zookeeper']);
    expect(exit.code).toBe(2);
    expect(errors).toMatch(/Usage: pnpm demo \[--backend static\|etcd\|postgres\] \[--keep\]/);
    expect((await runDemo(['--nope'])).exit.code).toBe(2);
  });
});
