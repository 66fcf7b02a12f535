import { ConfigurationError } from '../errors.js';

/**
 * The option checks every adapter's `resolveOptions` re-derived. Each throws a ConfigurationError
 * of the adapter's `source` whose message names the option, what it must be, in the user's units,
 * and what was given.
 */
export interface OptionChecks {
  /** `value`, or `fallback` when undefined; must be a positive, finite number of milliseconds. */
  positiveMs(name: string, value: unknown, fallback: number): number;
  /** `value`, or `fallback` when undefined; must be a whole number from `min` to `max` of `unit`. */
  wholeNumber(name: string, value: unknown, fallback: number, range: WholeNumberRange): number;
  /** Throws a ConfigurationError with `message`. */
  fail(message: string): never;
}

export interface WholeNumberRange {
  readonly min: number;
  readonly max: number;
  /** "ms", "seconds", "a TCP port". */
  readonly unit: string;
}

export function optionChecks(source: string): OptionChecks {
  const fail = (message: string): never => {
    throw new ConfigurationError(message, { source });
  };
  return {
    fail,
    positiveMs(name, value, fallback) {
      if (value === undefined) return fallback;
      if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
        fail(`${name} must be a positive number of milliseconds, got ${String(value)}.`);
      return value as number;
    },
    wholeNumber(name, value, fallback, { min, max, unit }) {
      if (value === undefined) return fallback;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
        fail(`${name} must be a whole number of ${unit} from ${min} to ${max}, got ${String(value)}.`);
      return value as number;
    },
  };
}

/**
 * True when `text` holds a C0 control character (invisible in logs, a hazard in key paths), or,
 * with `c1`, also DEL or a C1 control character.
 */
export function hasControlCharacter(text: string, { c1 = false }: { readonly c1?: boolean } = {}): boolean {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x20 || (c1 && unit >= 0x7f && unit <= 0x9f)) return true;
  }
  return false;
}
