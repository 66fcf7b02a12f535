import { parseArgs } from 'node:util';

export type BenchPart = 'core' | 'failover' | 'scale';

export interface BenchConfig {
  readonly parts: ReadonlySet<BenchPart>;
  /** Failover rounds per subject and fault (≥ 20 for the published table). */
  readonly rounds: number;
  /** Steady-state load window, ms. */
  readonly loadWindowMs: number;
  readonly scaleMembers: number;
  readonly scaleCrashRounds: number;
  readonly scaleGracefulRounds: number;
  /** Write docs/benchmarks.md (off for partial runs unless asked). */
  readonly writeDocs: boolean;
}

/**
 * `pnpm bench [--rounds 20] [--only core,failover,scale] [--load-window-ms 20000] [--scale-members 1000]
 * [--no-docs]`; each flag also reads from BENCH_ROUNDS, BENCH_ONLY, BENCH_LOAD_WINDOW_MS,
 * BENCH_SCALE_MEMBERS. Fewer rounds make a quick run; the published table uses the defaults.
 */
export function parseBenchConfig(argv: readonly string[] = process.argv.slice(2)): BenchConfig {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      rounds: { type: 'string' },
      only: { type: 'string' },
      'load-window-ms': { type: 'string' },
      'scale-members': { type: 'string' },
      'scale-crash-rounds': { type: 'string' },
      'scale-graceful-rounds': { type: 'string' },
      'no-docs': { type: 'boolean', default: false },
    },
  });
  const env = process.env;
  const number = (name: string, value: string | undefined, fallback: number, min: number): number => {
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min)
      throw new Error(`${name} must be an integer ≥ ${min}, got ${value}`);
    return parsed;
  };
  const only = (values.only ?? env.BENCH_ONLY)?.split(',').map((part) => part.trim());
  const known: BenchPart[] = ['core', 'failover', 'scale'];
  for (const part of only ?? []) {
    if (!known.includes(part as BenchPart)) throw new Error(`--only takes ${known.join(', ')}; got ${part}`);
  }
  const parts = new Set<BenchPart>((only as BenchPart[] | undefined) ?? known);
  return {
    parts,
    rounds: number('--rounds', values.rounds ?? env.BENCH_ROUNDS, 20, 1),
    loadWindowMs: number(
      '--load-window-ms',
      values['load-window-ms'] ?? env.BENCH_LOAD_WINDOW_MS,
      20_000,
      1000,
    ),
    scaleMembers: number('--scale-members', values['scale-members'] ?? env.BENCH_SCALE_MEMBERS, 1000, 10),
    scaleCrashRounds: number('--scale-crash-rounds', values['scale-crash-rounds'], 3, 1),
    scaleGracefulRounds: number('--scale-graceful-rounds', values['scale-graceful-rounds'], 20, 1),
    writeDocs: !values['no-docs'],
  };
}
