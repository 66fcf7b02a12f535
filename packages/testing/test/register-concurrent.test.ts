import { describe, expect, it } from 'vitest';
import { registerCases } from '../src/contract/register.js';
import type { ContractTestApi } from '../src/contract/types.js';
import { createManualClock, runContractSuite } from '../src/index.js';

type Registered = { readonly name: string; readonly fn: () => Promise<void>; readonly kind: string };

/** A stand-in test runner that records what is registered, so the registered bodies can be driven. */
function recordingApi(options: { readonly concurrent?: boolean } = {}) {
  const tests: Registered[] = [];
  const afterEach: Array<() => Promise<void>> = [];
  const it = Object.assign(
    (name: string, fn: () => Promise<void>) => tests.push({ name, fn, kind: 'sequential' }),
    {
      skip: (name: string, fn: () => Promise<void>) => tests.push({ name, fn, kind: 'skipped' }),
      ...(options.concurrent === false
        ? {}
        : {
            concurrent: (name: string, fn: () => Promise<void>) =>
              tests.push({ name, fn, kind: 'concurrent' }),
          }),
    },
  );
  const api: ContractTestApi = {
    describe: (_name, fn) => fn(),
    it,
    afterEach: (fn) => afterEach.push(fn),
  };
  return { api, tests, afterEach };
}

/** A fixture that says when it was cleaned up, and a gate each case waits on. */
function fixtures(cleanupError?: Error) {
  const log: string[] = [];
  let created = 0;
  return {
    log,
    create: async () => {
      const n = ++created;
      log.push(`create ${n}`);
      return {
        n,
        cleanup: async () => {
          log.push(`cleanup ${n}`);
          if (cleanupError) throw cleanupError;
        },
      };
    },
  };
}

describe('registerCases with concurrent: true', () => {
  it('registers every case with it.concurrent; each runs on its own fixture, cleaned up when it ends', async () => {
    const { api, tests, afterEach } = recordingApi();
    const f = fixtures();
    const release: Array<() => void> = [];
    registerCases(api, 'suite', [{ title: 'one' }, { title: 'two' }, { title: 'skipped' }], {
      skipReason: (entry) => (entry.title === 'skipped' ? 'no lock' : undefined),
      create: f.create,
      run: (entry, fixture) =>
        new Promise<void>((resolve) => {
          f.log.push(`run ${entry.title} on ${fixture.n}`);
          release.push(resolve);
        }),
      timeoutMs: 1000,
      concurrent: true,
    });
    expect(tests.map((t) => [t.name, t.kind])).toEqual([
      ['one', 'concurrent'],
      ['two', 'concurrent'],
      ['skipped [skipped: no lock]', 'skipped'],
    ]);
    expect(afterEach).toEqual([]);
    // Both cases are under way at once, each on its own fixture; neither is cleaned up before it ends.
    const running = [tests[0]!.fn(), tests[1]!.fn()];
    await new Promise((resolve) => setImmediate(resolve));
    expect(f.log).toEqual(['create 1', 'create 2', 'run one on 1', 'run two on 2']);
    release[1]!();
    await running[1];
    expect(f.log.slice(4)).toEqual(['cleanup 2']);
    release[0]!();
    await running[0];
    expect(f.log.slice(5)).toEqual(['cleanup 1']);
  });

  it("a failing case reports its own error, not its cleanup's; a passing case fails on a cleanup error", async () => {
    const { api, tests } = recordingApi();
    const f = fixtures(new Error('cleanup broke'));
    registerCases(api, 'suite', [{ title: 'fails' }, { title: 'passes' }], {
      skipReason: () => undefined,
      create: f.create,
      run: async (entry) => {
        if (entry.title === 'fails') throw new Error('the case failed');
      },
      timeoutMs: 1000,
      concurrent: true,
    });
    await expect(tests[0]!.fn()).rejects.toThrow('the case failed');
    await expect(tests[1]!.fn()).rejects.toThrow('cleanup broke');
    expect(f.log).toEqual(['create 1', 'cleanup 1', 'create 2', 'cleanup 2']);
  });

  it('without it.concurrent on the runner, registering says what is missing', () => {
    const { api } = recordingApi({ concurrent: false });
    expect(() =>
      registerCases(api, 'suite', [{ title: 'one' }], {
        skipReason: () => undefined,
        create: fixtures().create,
        run: async () => {},
        timeoutMs: 1000,
        concurrent: true,
      }),
    ).toThrow(/needs api\.it\.concurrent/);
  });

  it('runContractSuite refuses concurrent cases on one fake clock', () => {
    const { api } = recordingApi();
    expect(() =>
      runContractSuite(api, () => ({ createBackend: () => undefined as never, teardown: async () => {} }), {
        name: 'x',
        lock: false,
        ttlMs: 1000,
        timeoutMs: 1000,
        clock: createManualClock(),
        concurrent: true,
      }),
    ).toThrow(/cannot share one fake clock/);
  });

  it('without the option, cases stay sequential and are cleaned up in afterEach', async () => {
    const { api, tests, afterEach } = recordingApi();
    const f = fixtures();
    registerCases(api, 'suite', [{ title: 'one' }], {
      skipReason: () => undefined,
      create: f.create,
      run: async () => {},
      timeoutMs: 1000,
    });
    expect(tests.map((t) => t.kind)).toEqual(['sequential']);
    await tests[0]!.fn();
    expect(f.log).toEqual(['create 1']);
    await afterEach[0]!();
    expect(f.log).toEqual(['create 1', 'cleanup 1']);
  });
});
