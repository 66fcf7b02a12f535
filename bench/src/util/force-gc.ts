import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// The root script runs `tsx bench/src/bench.ts` without --expose-gc; V8 still hands out `gc` to a
// fresh context once the flag is set at run time.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * A full collection between timed samples, so garbage one contender left behind (the seed's sorted
 * copy of 100k members) is not collected on the other contender's clock.
 */
export function forceGc(): void {
  gc();
}
