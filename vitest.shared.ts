import { fileURLToPath } from 'node:url';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

/**
 * Tests import the workspace packages from source, so a change in core is seen by every adapter's
 * tests without a rebuild. Processes that tests spawn (the example CLI) run the built dist instead.
 */
export const workspaceAliases = {
  // More specific first: '@election/core' would otherwise also match '@election/core/adapter'.
  '@election/core/adapter': fileURLToPath(new URL('./packages/core/src/adapter/index.ts', import.meta.url)),
  '@election/core': src('core'),
  '@election/testing': src('testing'),
  '@election/etcd': src('etcd'),
  '@election/consul': src('consul'),
  '@election/static': src('static'),
  '@election/postgres': src('postgres'),
  '@election/prometheus': src('prometheus'),
  '@election/http': src('http'),
};
