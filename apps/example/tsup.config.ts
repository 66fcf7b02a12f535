import { defineConfig } from 'tsup';
import { baseConfig } from '../../tsup.base';

// The app ships executables, not a library: ESM only, no declarations.
export default defineConfig({
  ...baseConfig,
  entry: ['src/cli.ts', 'src/demo.ts'],
  format: ['esm'],
  dts: false,
});
