import { BackendUnavailableError, ElectionError } from '../errors.js';
import { maskError } from '../mask-error.js';
import { maskSecrets } from '../mask-secrets.js';

/**
 * Whatever a backend threw, as an ElectionError (an unknown failure counts as an unavailable
 * backend), with credentials masked (its cause chain too, see maskError): every error core reports
 * or emits goes through here.
 */
export function toElectionError(error: unknown, context: string): ElectionError {
  if (error instanceof ElectionError) return maskError(error);
  const message = maskSecrets(error instanceof Error ? error.message : String(error));
  return maskError(new BackendUnavailableError(`${context}: ${message}`, { cause: error }));
}
