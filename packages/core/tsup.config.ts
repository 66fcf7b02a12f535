import { defineConfig } from 'tsup';
import { baseConfig } from '../../tsup.base';

// Two entries: the app API (`@election/core`) and the adapter kit (`@election/core/adapter`).
export default defineConfig({
  ...baseConfig,
  entry: { index: 'src/index.ts', 'adapter/index': 'src/adapter/index.ts' },
  // Shared chunks, so both entries hand out the same classes (`instanceof ElectionError` holds).
  splitting: true,
});
