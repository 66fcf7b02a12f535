import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createConsulErrorMapper, isNotFound, summarize } from '../../src/errors.js';

/**
 * review16c: Consul's error mapping (FailureRule table, summarizeRequestFailure moved to core) for a
 * table of client failures, as fbbff79 mapped them: class, code, message, the cause's message and
 * status, and isNotFound. Messages and codes are API.
 */
function httpError(statusCode: number, body: string, message = 'consul: request failed'): Error {
  return Object.assign(new Error(message), { statusCode, response: { statusCode, body } });
}

const failures: Record<string, unknown> = {
  '403 acl': httpError(403, 'Permission denied'),
  '403 acl not found': httpError(403, 'ACL not found'),
  '400 invalid session': httpError(400, 'Invalid session'),
  '400 bad key': httpError(400, 'Invalid key'),
  '404': httpError(404, ''),
  '500 no leader': httpError(500, 'No cluster leader'),
  '500 rpc error': httpError(500, 'rpc error making call: No path to datacenter'),
  '429': httpError(429, 'rate limit exceeded'),
  ECONNREFUSED: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8500'), { code: 'ECONNREFUSED' }),
  ETIMEDOUT: Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }),
  'token in message': new Error('request failed: X-Consul-Token: s3cr3t-token'),
  'plain string': 'boom',
  undefined: undefined,
  'body bytes 403': Object.assign(new Error('consul: x'), {
    statusCode: 403,
    response: { statusCode: 403, body: Buffer.from('Permission denied: token with AccessorID') },
  }),
  'no dc': httpError(500, 'No path to datacenter'),
  'long body': httpError(500, 'x'.repeat(400)),
};

function answer(failure: unknown, dc?: string): string {
  const mapper = createConsulErrorMapper(dc === undefined ? {} : { datacenter: dc });
  const error = mapper(failure, 'renew the session', 250) as Error & { code?: string; cause?: unknown };
  const cause = error.cause as (Error & { statusCode?: number }) | undefined;
  const summary = summarize(failure);
  return JSON.stringify({
    error: `${error.constructor.name} ${error.code} ${error.message}`,
    cause: cause === undefined ? undefined : `${cause.constructor.name} ${cause.statusCode} ${cause.message}`,
    summary: `${summary.statusCode} ${summary.code} ${summary.message}`,
    notFound: isNotFound(failure),
  });
}

/** fbbff79's answers (captured by running this file on fbbff79's src with R16C_OUT set). */
const expected: Record<string, string> = {
  '404':
    '{"error":"BackendUnavailableError BACKEND_UNAVAILABLE [@election/consul] Could not renew the session: HTTP 404: ","cause":"ConsulRequestError 404 HTTP 404: ","summary":"404 undefined HTTP 404: ","notFound":true}',
  '429':
    '{"error":"BackendUnavailableError BACKEND_UNAVAILABLE [@election/consul] Could not renew the session: HTTP 429: rate limit exceeded","cause":"ConsulRequestError 429 HTTP 429: rate limit exceeded","summary":"429 undefined HTTP 429: rate limit exceeded","notFound":false}',
  '404 (dc2)':
    '{"error":"BackendUnavailableError BACKEND_UNAVAILABLE [@election/consul] Could not renew the session: HTTP 404: ","cause":"ConsulRequestError 404 HTTP 404: ","summary":"404 undefined HTTP 404: ","notFound":true}',
  '429 (dc2)':
    '{"error":"BackendUnavailableError BACKEND_UNAVAILABLE [@election/consul] Could not renew the session: HTTP 429: rate limit exceeded","cause":"ConsulRequestError 429 HTTP 429: rate limit exceeded","summary":"429 undefined HTTP 429: rate limit exceeded","notFound":false}',
  '403 acl':
    '{"error":"ConfigurationError INVALID_OPTION [@election/consul] Consul refused renew the session (HTTP 403: Permission denied). Check the ACL token: *** needs key:write on the election prefix and session:write.","cause":"ConsulRequestError 403 HTTP 403: Permission denied","summary":"403 undefined HTTP 403: Permission denied","notFound":false}',
  '403 acl (dc2)':
    '{"error":"ConfigurationError INVALID_OPTION [@election/consul] Consul refused renew the session (HTTP 403: Permission denied). Check the ACL token: *** needs key:write on the election prefix and session:write.","cause":"ConsulRequestError 403 HTTP 403: Permission denied","summary":"403 undefined HTTP 403: Permission denied","notFound":false}',
  '403 acl not found':
    '{"error":"ConfigurationError INVALID_OPTION [@election/consul] Consul refused renew the session (HTTP 403: ACL not found). Check the ACL token: *** needs key:write on the election prefix and session:write.","cause":"ConsulRequestError 403 HTTP 403: ACL not found","summary":"403 undefined HTTP 403: ACL not found","notFound":false}',
  '403 acl not found (dc2)':
    '{"error":"ConfigurationError INVALID_OPTION [@election/consul] Consul refused renew the session (HTTP 403: ACL not found). Check the ACL token: *** needs key:write on the election prefix and session:write.","cause":"ConsulRequestError 403 HTTP 403: ACL not found","summary":"403 undefined HTTP 403: ACL not found","notFound":false}',
  '400 invalid session':
    '{"error":"BackendUnavailableError BACKEND_UNAVAILABLE [@election/consul] Could not renew the session: HTTP 400: Invalid session","cause":"ConsulRequestError 400 HTTP 400: Invalid session","summary":"400 undefined HTTP 400: Invalid session","notFound":false}',
  '400 invalid session (dc2)':
    '{"error":"BackendUnavailableError BACKEND_UNAVAILABLE [@election/consul] Could not renew the session: HTTP 400: Invalid session","cause":"ConsulRequestError 400 HTTP 400: Invalid session","summary":"400 undefined HTTP 400: Invalid session","notFound":false}',
  '400 bad key':
    '{"error":"ConfigurationError INVALID_OPTION [@election/consul] Consul refused a key name while trying to renew the session (HTTP 400: Invalid key). Use only A-Za-z0-9, \\"-\\" and \\"_\\" in the prefix and election options (\\"/\\" also in prefix).","cause":"ConsulRequestError 400 HTTP 400: Invalid key","summary":"400 undefined HTTP 400: Invalid key","notFound":false}',
  '400 bad key (dc2)':
    '{"error":"ConfigurationError INVALID_OPTION [@election/consul] Consul refused a key name while trying to renew the session (HTTP 400: Invalid key). Use only A-Za-z0-9, \\"-\\" and \\"_\\" in the prefix and election options (\\"/\\" also in prefix).","cause":"ConsulRequestError 400 HTTP 400: Invalid key","summary":"400 undefined HTTP 400: Invalid key","notFound":false}',
  '500 no leader':
    '{"error":"BackendUnavailableError BACKEND_UNAVAILABLE [@election/consul] Could not renew the session: HTTP 500: No cluster leader","cause":"ConsulRequestError 500 HTTP 500: No cluster leader","summary":"500 undefined HTTP 500: No cluster leader","notFound":false}',
  '500 no leader (dc2)':
    '{"error":"BackendUnavailableError BACKEND_UNAVAILABLE [@election/consul] Could not renew the session: HTTP 500: No cluster leader","cause":"ConsulRequestError 500 HTTP 500: No cluster leader","summary":"500 undefined HTTP 500: No cluster leader","notFound":false}',
  '500 rpc error':
    '{"error":"ConfigurationError INVALID_OPTION [@election/consul] Consul knows no such datacenter (HTTP 500: rpc error making call: No path to datacenter). Fix the datacenter option.","cause":"ConsulRequestError 500 HTTP 500: rpc error making call: No path to datacenter","summary":"500 undefined HTTP 500: rpc error making call: No path to datacenter","notFound":false}',
  '500 rpc error (dc2)':
    '{"error":"ConfigurationError INVALID_OPTION [@election/consul] Consul knows no such datacenter (HTTP 500: rpc error making call: No path to datacenter). Fix the datacenter option.","cause":"ConsulRequestError 500 HTTP 500: rpc error making call: No path to datacenter","summary":"500 undefined HTTP 500: rpc error making call: No path to datacenter","notFound":false}',
  ECONNREFUSED:
    '{"error":"BackendUnavailableError BACKEND_UNAVAILABLE [@election/consul] Could not renew the session: connect ECONNREFUSED 127.0.0.1:8500","cause":"ConsulRequestError undefined connect ECONNREFUSED 127.0.0.1:8500","summary":"undefined ECONNREFUSED connect ECONNREFUSED 127.0.0.1:8500","notFound":false}',
  'ECONNREFUSED (dc2)':
    '{"error":"BackendUnavailableError BACKEND_UNAVAILABLE [@election/consul] Could not renew the session: connect ECONNREFUSED 127.0.0.1:8500","cause":"ConsulRequestError undefined connect ECONNREFUSED 127.0.0.1:8500","summary":"undefined ECONNREFUSED connect ECONNREFUSED 127.0.0.1:8500","notFound":false}',
  ETIMEDOUT:
    '{"error":"BackendUnavailableError BACKEND_UNAVAILABLE [@election/consul] Could not renew the session: timeout","cause":"ConsulRequestError undefined timeout","summary":"undefined ETIMEDOUT timeout","notFound":false}',
  'ETIMEDOUT (dc2)':
    '{"error":"BackendUnavailableError BACKEND_UNAVAILABLE [@election/consul] Could not renew the session: timeout","cause":"ConsulRequestError undefined timeout","summary":"undefined ETIMEDOUT timeout","notFound":false}',
  'token in message':
    '{"error":"BackendUnavailableError BACKEND_UNAVAILABLE [@election/consul] Could not renew the session: request failed: X-Consul-Token: ***","cause":"ConsulRequestError undefined request failed: X-Consul-Token: ***","summary":"undefined undefined request failed: X-Consul-Token: s3cr3t-token","notFound":false}',
  'token in message (dc2)':
    '{"error":"BackendUnavailableError BACKEND_UNAVAILABLE [@election/consul] Could not renew the session: request failed: X-Consul-Token: ***","cause":"ConsulRequestError undefined request failed: X-Consul-Token: ***","summary":"undefined undefined request failed: X-Consul-Token: s3cr3t-token","notFound":false}',
  'plain string':
    '{"error":"BackendUnavailableError BACKEND_UNAVAILABLE [@election/consul] Could not renew the session: boom","cause":"ConsulRequestError undefined boom","summary":"undefined undefined boom","notFound":false}',
  'plain string (dc2)':
    '{"error":"BackendUnavailableError BACKEND_UNAVAILABLE [@election/consul] Could not renew the session: boom","cause":"ConsulRequestError undefined boom","summary":"undefined undefined boom","notFound":false}',
  undefined:
    '{"error":"BackendUnavailableError BACKEND_UNAVAILABLE [@election/consul] Could not renew the session: undefined","cause":"ConsulRequestError undefined undefined","summary":"undefined undefined undefined","notFound":false}',
  'undefined (dc2)':
    '{"error":"BackendUnavailableError BACKEND_UNAVAILABLE [@election/consul] Could not renew the session: undefined","cause":"ConsulRequestError undefined undefined","summary":"undefined undefined undefined","notFound":false}',
  'body bytes 403':
    '{"error":"ConfigurationError INVALID_OPTION [@election/consul] Consul refused renew the session (HTTP 403: Permission denied: token with AccessorID). Check the ACL token: *** needs key:write on the election prefix and session:write.","cause":"ConsulRequestError 403 HTTP 403: Permission denied: token with AccessorID","summary":"403 undefined HTTP 403: Permission denied: token with AccessorID","notFound":false}',
  'body bytes 403 (dc2)':
    '{"error":"ConfigurationError INVALID_OPTION [@election/consul] Consul refused renew the session (HTTP 403: Permission denied: token with AccessorID). Check the ACL token: *** needs key:write on the election prefix and session:write.","cause":"ConsulRequestError 403 HTTP 403: Permission denied: token with AccessorID","summary":"403 undefined HTTP 403: Permission denied: token with AccessorID","notFound":false}',
  'no dc':
    '{"error":"ConfigurationError INVALID_OPTION [@election/consul] Consul knows no such datacenter (HTTP 500: No path to datacenter). Fix the datacenter option.","cause":"ConsulRequestError 500 HTTP 500: No path to datacenter","summary":"500 undefined HTTP 500: No path to datacenter","notFound":false}',
  'no dc (dc2)':
    '{"error":"ConfigurationError INVALID_OPTION [@election/consul] Consul knows no such datacenter (HTTP 500: No path to datacenter). Fix the datacenter option.","cause":"ConsulRequestError 500 HTTP 500: No path to datacenter","summary":"500 undefined HTTP 500: No path to datacenter","notFound":false}',
  'long body':
    '{"error":"BackendUnavailableError BACKEND_UNAVAILABLE [@election/consul] Could not renew the session: HTTP 500: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx","cause":"ConsulRequestError 500 HTTP 500: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx","summary":"500 undefined HTTP 500: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx","notFound":false}',
  'long body (dc2)':
    '{"error":"BackendUnavailableError BACKEND_UNAVAILABLE [@election/consul] Could not renew the session: HTTP 500: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx","cause":"ConsulRequestError 500 HTTP 500: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx","summary":"500 undefined HTTP 500: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx","notFound":false}',
};

describe('review16c: Consul error mapping as fbbff79 did it', () => {
  const got: Record<string, string> = {};
  for (const [name, failure] of Object.entries(failures)) {
    got[name] = answer(failure);
    got[`${name} (dc2)`] = answer(failure, 'dc2');
  }
  if (process.env.R16C_OUT)
    writeFileSync(`${process.env.R16C_OUT}/consul-errors.json`, JSON.stringify(got, null, 2));
  for (const name of Object.keys(got)) {
    it(name, () => {
      expect(got[name]).toBe(expected[name]);
    });
  }
});
