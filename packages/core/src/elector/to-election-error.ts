import { BackendUnavailableError, ElectionError } from '../errors.js';

/** Whatever a backend threw, as an ElectionError (an unknown failure counts as an unavailable backend). */
export function toElectionError(error: unknown, context: string): ElectionError {
  if (error instanceof ElectionError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new BackendUnavailableError(`${context}: ${message}`, { cause: error });
}
