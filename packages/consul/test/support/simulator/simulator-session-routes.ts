import type { ServerResponse } from 'node:http';
import { SimulatorHttpError } from './simulator-error.js';
import { answerBlocking, type BlockingContext, parseBlocking, sendJson } from './simulator-respond.js';
import { sessionJson } from './simulator-sessions.js';
import type { SimulatorState } from './simulator-state.js';

/** /v1/session/<action>[/<id>]: create, destroy, renew (PUT); info, list, node (GET, blocking). */
export function routeSession(
  res: ServerResponse,
  state: SimulatorState,
  context: BlockingContext,
  /** The node of the agent that received the request. */
  node: string,
  method: string,
  rest: string,
  query: URLSearchParams,
  body: Buffer,
): void {
  const slash = rest.indexOf('/');
  const action = slash === -1 ? rest : rest.slice(0, slash);
  const arg = slash === -1 ? '' : rest.slice(slash + 1);
  const writes = new Set(['create', 'destroy', 'renew']);
  const reads = new Set(['info', 'list', 'node']);
  if (!writes.has(action) && !reads.has(action)) throw new SimulatorHttpError(404, '404 page not found');
  if (writes.has(action) && method !== 'PUT')
    throw new SimulatorHttpError(405, `method ${method} not allowed`);
  if (reads.has(action) && method !== 'GET')
    throw new SimulatorHttpError(405, `method ${method} not allowed`);
  if (action !== 'create' && action !== 'list' && arg === '') {
    throw new SimulatorHttpError(400, action === 'node' ? 'Missing node name' : 'Missing session');
  }
  switch (action) {
    case 'create': {
      let parsed: unknown = {};
      if (body.length > 0) {
        try {
          parsed = JSON.parse(body.toString('utf8'));
        } catch (error) {
          throw new SimulatorHttpError(400, `Request decode failed: ${(error as Error).message}`);
        }
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new SimulatorHttpError(400, 'Request decode failed: expected a JSON object');
      }
      const session = state.createSession(parsed as Record<string, unknown>, node);
      sendJson(res, 200, { ID: session.id });
      return;
    }
    case 'destroy':
      state.destroySession(arg);
      sendJson(res, 200, true);
      return;
    case 'renew': {
      const session = state.renewSession(arg);
      if (!session) throw new SimulatorHttpError(404, `Session id '${arg}' not found`);
      sendJson(res, 200, [sessionJson(session)]);
      return;
    }
    default: {
      const params = parseBlocking(query);
      answerBlocking(res, context, params, () => {
        const all = state.allSessions();
        const picked =
          action === 'info'
            ? all.filter((s) => s.id === arg)
            : action === 'node'
              ? all.filter((s) => s.node === arg)
              : all;
        return { status: 200, index: state.sessionsIndex, body: picked.map(sessionJson) };
      });
    }
  }
}
