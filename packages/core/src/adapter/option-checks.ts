import { ConfigurationError } from '../errors.js';
import { checkOption, positiveMs, wholeNumber } from './option-schema.js';

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

/** The single checks of the option schema (option-schema.ts), for an adapter that checks by hand. */
export function optionChecks(source: string): OptionChecks {
  const fail = (message: string): never => {
    throw new ConfigurationError(message, { source });
  };
  return {
    fail,
    positiveMs: (name, value, fallback) => checkOption(source, positiveMs(fallback), name, value),
    wholeNumber: (name, value, fallback, range) =>
      checkOption(source, wholeNumber(fallback, range), name, value),
  };
}
