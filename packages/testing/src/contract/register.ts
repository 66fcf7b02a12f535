import type { ContractTestApi } from './types.js';

export interface RegisterCasesOptions<C, F> {
  /** Why a case is registered as skipped, or undefined to run it. */
  readonly skipReason: (entry: C) => string | undefined;
  /** A fresh fixture for one test; its `cleanup()` runs after the test, whatever the outcome. */
  readonly create: () => Promise<F>;
  readonly run: (entry: C, fixture: F) => Promise<void>;
  /** Per-test runner timeout, real ms. */
  readonly timeoutMs: number;
}

/**
 * One describe block of cases, each on its own fixture, cleaned up in afterEach. A skipped case is
 * still registered (as skipped, with the reason in its title) so the report says what did not run.
 */
export function registerCases<C extends { readonly title: string }, F extends { cleanup(): Promise<void> }>(
  api: ContractTestApi,
  title: string,
  cases: readonly C[],
  options: RegisterCasesOptions<C, F>,
): void {
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
