import type { EtcdServer } from '@election/tools';
import { Etcd3 } from 'etcd3';

/**
 * A plain etcd3 client for tests to poke at etcd behind the adapter's back: write garbage keys,
 * read leases, revoke them, compact. Uses the server's client options (auth/TLS) as given.
 */
export function adminClient(server: EtcdServer): Etcd3 {
  const { endpoints, auth, tls } = server.clientOptions;
  return new Etcd3({
    hosts: endpoints,
    ...(auth ? { auth: { username: auth.username, password: auth.password } } : {}),
    ...(tls ? { credentials: { rootCertificate: tls.ca, certChain: tls.cert, privateKey: tls.key } } : {}),
  });
}

/** The lease a key is bound to ('0' for none), or undefined when the key does not exist. */
export async function leaseOfKey(client: Etcd3, key: string): Promise<string | undefined> {
  const response = await client.kv.range({ key: Buffer.from(key) });
  return response.kvs[0]?.lease;
}

/** Remaining TTL of a lease in seconds; -1 when etcd no longer knows it. */
export async function leaseTtl(client: Etcd3, leaseId: string): Promise<number> {
  const response = await client.leaseClient.leaseTimeToLive({ ID: leaseId });
  return Number(response.TTL);
}
