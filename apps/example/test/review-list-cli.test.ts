import { freePorts } from '@election/tools';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, killLeftovers, requireBuilt, type Spawned, spawnCli } from './helpers.js';

/**
 * Review of issue 20, `election-node list` on a bad or unreachable backend, as an operator types it:
 * the node itself says these things in flags and exits 2 on a usage error; `list` speaks the
 * library's option names (startTimeoutMs, ms) and exits 1 for both.
 */
const spawned: Spawned[] = [];
afterEach(() => killLeftovers(spawned));

describe('review: election-node list on a bad or unreachable backend', () => {
  it('names the flag to change (--start-timeout, in seconds), not the library option', async () => {
    requireBuilt(CLI);
    const [port] = await freePorts(1);
    const list = spawnCli([
      'list',
      '--backend',
      'consul',
      '--consul',
      `http://127.0.0.1:${port}`,
      '--start-timeout',
      '1',
    ]);
    spawned.push(list);
    const { code } = await list.exited;
    const err = list.stderr();
    console.log(`review list: exit ${code}: ${err.trim()}`);
    expect(code).toBe(1);
    expect(err).toContain('--start-timeout');
    expect(err).not.toContain('startTimeoutMs');
  }, 30_000);

  it('exits 2 on a usage error (credentials in --etcd), as the node does, without printing them', async () => {
    requireBuilt(CLI);
    const list = spawnCli(['list', '--backend', 'etcd', '--etcd', 'http://admin:review-pass@127.0.0.1:1']);
    spawned.push(list);
    const { code } = await list.exited;
    const out = `${list.stdout()}${list.stderr()}`;
    expect(out).not.toContain('review-pass');
    expect(code).toBe(2);
  }, 30_000);
});
