import type { ContractTestApi } from './types.js';

export interface RegisterCasesOptions<C, F> {
  /** Why a case is registered as skipped, or undefined to run it. */
  readonly skipReason: (entry: C) => string | undefined;
  /** A fresh fixture for one test; its `cleanup()` runs after the test, whatever the outcome. */
  readonly create: () => Promise<F>;
  readonly run: (entry: C, fixture: F) => Promise<void>;
  /** Per-test runner timeout, real ms. */
  readonly timeoutMs: number;
  /** Register the cases with `api.it.concurrent`; each cleans up its own fixture when it ends. */
  readonly concurrent?: boolean;
}

/**
 * One describe block of cases, each on its own fixture, cleaned up in afterEach (or, when the cases
 * run concurrently, as each one ends). A skipped case is still registered (as skipped, with the
 * reason in its title) so the report says what did not run.
 */
export function registerCases<C extends { readonly title: string }, F extends { cleanup(): Promise<void> }>(
  api: ContractTestApi,
  title: string,
  cases: readonly C[],
  options: RegisterCasesOptions<C, F>,
): void {
  if (options.concurrent) {
    registerConcurrently(api, title, cases, options);
    return;
  }
  let current: F | undefined;
  api.describe(title, () => {
    api.afterEach(async () => {
      const fixture = current;
      current = undefined;
      await fixture?.cleanup();
    });
    for (const entry of cases) {
      const reason = options.skipReason(entry);
      if (reason !== undefined) {
        api.it.skip?.(`${entry.title} [skipped: ${reason}]`, async () => {});
        continue;
      }
      api.it(
        entry.title,
        async () => {
          const fixture = await options.create();
          current = fixture;
          await options.run(entry, fixture);
        },
        options.timeoutMs,
      );
    }
  });
}

function registerConcurrently<C extends { readonly title: string }, F extends { cleanup(): Promise<void> }>(
  api: ContractTestApi,
  title: string,
  cases: readonly C[],
  options: RegisterCasesOptions<C, F>,
): void {
  const concurrent = api.it.concurrent;
  if (!concurrent) throw new Error(`${title}: the concurrent option needs api.it.concurrent (vitest has it)`);
  api.describe(title, () => {
    for (const entry of cases) {
      const reason = options.skipReason(entry);
      if (reason !== undefined) {
        api.it.skip?.(`${entry.title} [skipped: ${reason}]`, async () => {});
        continue;
      }
      concurrent(
        entry.title,
        async () => {
          const fixture = await options.create();
          let failed = true;
          try {
            await options.run(entry, fixture);
            failed = false;
          } finally {
            // A cleanup error fails a passing case; after a failure the case's own error is the one shown.
            await fixture.cleanup().catch((error: unknown) => {
              if (!failed) throw error;
            });
          }
        },
        options.timeoutMs,
      );
    }
  });
}
