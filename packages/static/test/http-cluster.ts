import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JoinRequest, MembershipBackend, MembershipSession } from '@election/core';
import { type ContractCluster, contractMemberIds, contractMembers } from '@election/testing';
import { createStaticMembership } from '../src/index.js';

/**
 * Each contract member gets a real HTTP server on 127.0.0.1 that answers /healthz with 200 while that
 * member has an open session, 503 otherwise: what an election-node process does while it runs. A
 * session's leave() or close() (a crash) turns its server unhealthy, and the peers' probes notice.
 */
export async function createHttpCluster(): Promise<ContractCluster> {
  const holders = new Map<string, number>();
  const servers = await Promise.all(
    contractMemberIds.map(async (id) => {
      const server = http.createServer((request, response) => {
        const alive = request.url === '/healthz' && (holders.get(id) ?? 0) > 0;
        response.writeHead(alive ? 200 : 503).end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return { id, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
    }),
  );
  const members = contractMembers.map((member) => ({
    ...member,
    url: servers.find((entry) => entry.id === member.id)?.url,
  }));

  const hold = (id: string, delta: number) => holders.set(id, (holders.get(id) ?? 0) + delta);
  const trackSession = (id: string, session: MembershipSession): MembershipSession => {
    let released = false;
    const release = () => {
      if (!released) hold(id, -1);
      released = true;
    };
    hold(id, 1);
    return {
      deadline: () => session.deadline(),
      watchMembers: (listener) => session.watchMembers(listener),
      onLost: (listener) => session.onLost(listener),
      onError: (listener) => session.onError(listener),
      async leave() {
        release();
        await session.leave();
      },
      close() {
        release();
        session.close();
      },
    };
  };

  return {
    createBackend({ id }): MembershipBackend {
      const backend = createStaticMembership({
        members,
        probe: { intervalMs: 25, timeoutMs: 200, failureThreshold: 2, successThreshold: 1 },
        // The servers above answer for a member only while it holds a session, so a second process
        // with the same id finds the first one alive.
        checkDuplicates: true,
      });
      return {
        name: backend.name,
        capabilities: backend.capabilities,
        join: async (request: JoinRequest) => trackSession(id, await backend.join(request)),
        close: () => backend.close(),
      };
    },
    async teardown() {
      await Promise.all(
        servers.map(
          ({ server }) =>
            new Promise<void>((resolve) => {
              server.closeAllConnections();
              server.close(() => resolve());
            }),
        ),
      );
    },
  };
}
