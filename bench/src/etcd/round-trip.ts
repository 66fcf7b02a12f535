import { Etcd3 } from 'etcd3';
import { median } from '../util/stats.js';

/** Median time of a plain etcd write from a fresh etcd3 client, ms: the floor under any handover. */
export async function measureWriteRoundTrip(endpoint: string, samples = 30): Promise<number> {
  const client = new Etcd3({ hosts: endpoint });
  try {
    await client.put('bench/round-trip').value('warm-up');
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const start = performance.now();
      await client.put('bench/round-trip').value(String(i));
      times.push(performance.now() - start);
    }
    await client.delete().key('bench/round-trip');
    return median(times);
  } finally {
    client.close();
  }
}
