import type { ContractTestApi } from './types.js';

/** What creating a backend does with `options`: "ok", or the error it throws as "<class> <code> <message>". */
export function optionAnswer(
  create: (options: never) => { close(): Promise<void> },
  options: unknown,
): string {
  try {
    void create(options as never).close();
    return 'ok';
  } catch (error) {
    const e = error as Error & { code?: string };
    return `${e.constructor.name} ${e.code} ${e.message}`;
  }
}

/**
 * A pinned table of option errors: one test per row, each checking that `create` answers the row's
 * input (`inputs[name]`) with exactly `answers[name]` (see optionAnswer). A row that changes is a
 * change of the adapter's API: its class, code or wording.
 */
export function testOptionAnswers(
  api: Pick<ContractTestApi, 'describe' | 'it'>,
  title: string,
  create: (options: never) => { close(): Promise<void> },
  inputs: Readonly<Record<string, unknown>>,
  answers: Readonly<Record<string, string>>,
): void {
  api.describe(title, () => {
    for (const name of Object.keys(inputs)) {
      api.it(name, async () => {
        const got = optionAnswer(create, inputs[name]);
        if (got !== answers[name]) {
          throw new Error(`options ${name}: expected\n  ${answers[name]}\ngot\n  ${got}`);
        }
      });
    }
  });
}
