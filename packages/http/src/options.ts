import { ConfigurationError } from '@election/core';

export const SOURCE = '@election/http';

export function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) {
    throw new ConfigurationError(`${name} must be a positive integer, got ${String(value)}.`, {
      source: SOURCE,
    });
  }
  return value;
}

/** A path starting with "/", without a trailing one ('' for the root). */
export function normalizePath(name: string, path: string | undefined, example: string): string {
  if (path === undefined || path === '' || path === '/') return '';
  if (typeof path !== 'string' || !path.startsWith('/') || /[?#\s]/.test(path) || path.includes('//')) {
    throw new ConfigurationError(
      `${name} must be a path starting with "/" (e.g. "${example}"), got ${JSON.stringify(path)}.`,
      { source: SOURCE },
    );
  }
  return path.replace(/\/+$/, '');
}
