import { describe, expect, it } from 'vitest';
import {
  BackendUnavailableError,
  ConfigurationError,
  createErrorMapper,
  type FailureRule,
  RequestFailure,
  summarizeRequestFailure,
} from '../src/adapter/index.js';

class HttpFailure extends RequestFailure {
  override readonly name = 'HttpFailure';
}
const summarize = (error: unknown) => summarizeRequestFailure(error, HttpFailure, /^client: /);

/** What an HTTP client throws: the whole exchange, the request's token header included. */
function clientError(statusCode: number | undefined, body: unknown, message = 'client: request failed') {
  return Object.assign(new Error(message), {
    code: 'ECONNRESET',
    ...(statusCode === undefined
      ? {}
      : { response: { statusCode, body, headers: { 'x-token': 'secret-token' } } }),
    request: { headers: { 'x-token': 'secret-token' } },
  });
}

describe('summarizeRequestFailure', () => {
  it('keeps status, code and the body text (or the message), drops the exchange', () => {
    const summary = summarize(clientError(403, ' Permission denied \n'));
    expect(summary).toBeInstanceOf(HttpFailure);
    expect(summary).toMatchObject({
      statusCode: 403,
      code: 'ECONNRESET',
      message: 'HTTP 403: Permission denied',
    });
    expect(Object.keys(summary)).not.toContain('request');
    expect(JSON.stringify(summary)).not.toContain('secret-token');
    expect(summarize(clientError(500, new TextEncoder().encode('boom'))).message).toBe('HTTP 500: boom');
    expect(summarize(clientError(undefined, undefined)).message).toBe('request failed');
    expect(summarize(Object.assign(new Error('x'), { statusCode: 404 })).statusCode).toBe(404);
    expect(summarize('plain text').message).toBe('plain text');
    expect(summarize(clientError(400, 'x'.repeat(400))).message).toHaveLength('HTTP 400: '.length + 300);
    expect(summarize(summary)).toBe(summary);
  });
});

describe('createErrorMapper', () => {
  const rules: FailureRule<HttpFailure>[] = [
    {
      when: (failure) => failure.statusCode === 403,
      message: (failure, action) => `refused ${action} (${failure.message}). Check the token.`,
    },
    {
      when: (failure) => failure.statusCode === 403,
      message: () => 'never: the first rule that matches wins',
    },
  ];
  const map = createErrorMapper('@election/x', rules as FailureRule[], { summarize });

  it('a table of rules: the first that matches makes a ConfigurationError, the summary its cause', () => {
    const error = map(clientError(403, 'denied'), 'read the key');
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toBe('[@election/x] refused read the key (HTTP 403: denied). Check the token.');
    expect(error.cause).toBeInstanceOf(HttpFailure);
  });

  it('anything else is a BackendUnavailableError "Could not <action>", with the summary as cause, never the client error', () => {
    const error = map(clientError(500, 'down'), 'read the key', 250);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect(error.message).toBe('[@election/x] Could not read the key: HTTP 500: down');
    expect(error.cause).toBeInstanceOf(HttpFailure);
    expect(error.retryInMs).toBe(250);
    expect(JSON.stringify(error.cause)).not.toContain('secret-token');
  });

  it('without summarize the failure itself is the cause', () => {
    const cause = createErrorMapper('@election/x')(new Error('grpc down'), 'grant a lease').cause;
    expect(cause).not.toBeInstanceOf(RequestFailure);
    expect((cause as Error).message).toBe('grpc down');
  });
});
