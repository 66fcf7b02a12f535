import type { MembershipBackend } from '@election/core';

export interface FailingBackendOptions {
  /** The error every join rejects with, worded as the test needs (credentials and all, for masking tests). */
  readonly message: string;
  /** What the backend says it talks to (`MembershipBackend.endpoint`); none by default. */
  readonly endpoint?: string;
}

/**
 * A backend that never lets a node join: every `join()` rejects with `new Error(message)`, as a
 * custom adapter might word a failure (so tests can check what the elector, its logs and the
 * surfaces built on it show of such an error). No lock: view mode only. Holds no resource.
 */
export function createFailingBackend(options: FailingBackendOptions): MembershipBackend {
  return {
    name: 'custom',
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    capabilities: {
      lock: false,
      minTtlMs: 1000,
      maxTtlMs: 60_000,
      wholeSecondTtl: false,
      defaultTtlMs: 5000,
    },
    join: () => Promise.reject(new Error(options.message)),
    close: () => Promise.resolve(),
  };
}
