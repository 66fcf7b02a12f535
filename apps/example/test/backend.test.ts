import { describe, expect, it } from 'vitest';
import { createBackend, staticMembers, staticProbe } from '../src/backend.js';
import { type NodeConfig, parseArgs } from '../src/flags.js';

function configFor(argv: string[]): NodeConfig {
  const parsed = parseArgs(argv);
  if (parsed.help) throw new Error('unexpected help');
  return parsed.config;
}

describe('backend factory', () => {
  it('builds the static list from the peers plus this node at its own URL, each with its status URL', () => {
    const config = configFor(['--id', 'a', '--peers', 'a=http://127.0.0.1:1,b=http://127.0.0.1:2']);
    expect(staticMembers(config, 'http://127.0.0.1:9')).toEqual([
      { id: 'a', url: 'http://127.0.0.1:9', meta: { statusUrl: 'http://127.0.0.1:9/status' } },
      { id: 'b', url: 'http://127.0.0.1:2', meta: { statusUrl: 'http://127.0.0.1:2/status' } },
    ]);
  });

  it('derives the probe timing from --ttl, so a dead peer drops out in about that time', () => {
    expect(staticProbe(undefined)).toMatchObject({ intervalMs: 500, failureThreshold: 2 });
    const probe = staticProbe(3);
    expect((probe.intervalMs ?? 0) * (probe.failureThreshold ?? 0)).toBe(3000);
  });

  it.each([
    [['--id', 'a'], 'static'],
    [['--id', 'a', '--backend', 'etcd', '--etcd', 'http://127.0.0.1:1'], 'etcd'],
    [['--id', 'a', '--backend', 'consul', '--consul', 'http://127.0.0.1:1'], 'consul'],
  ])('creates the %j backend without connecting yet', async (argv, name) => {
    const backend = await createBackend(configFor(argv), 'http://127.0.0.1:9');
    expect(backend.name).toBe(name);
    expect(backend.capabilities.lock).toBe(name !== 'static');
    await backend.close();
  });
});
