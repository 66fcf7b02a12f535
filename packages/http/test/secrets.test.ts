import { createElectionHandler } from '@election/http';
import { collectElectorMetrics } from '@election/prometheus';
import { waitFor } from '@election/testing';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, failingElector, get, listen, onCleanup, subscribeEvents } from './support.js';

afterEach(cleanup);

/** A backend error as a custom adapter might word it, credentials and all. */
const LEAKY =
  'connect ECONNREFUSED http://admin:s3cret@etcd.internal:2379/v3?token=abc123 (Authorization: Bearer xyz789)';
const SECRETS = ['s3cret', 'abc123', 'xyz789'];

describe('no surface shows a secret from a backend error', () => {
  // Core masks credentials in every text it produces (issue 19, defect 6): this fails on a core
  // that does not (before the merge of core19).
  it('/status, /events, the page, /cluster and /metrics', async () => {
    const elector = await failingElector(LEAKY);
    const registry = new Registry();
    collectElectorMetrics(elector, { registry });
    const handler = createElectionHandler(elector, { registry });
    onCleanup(() => handler.close());
    const url = await listen((req, res) => handler(req, res));
    const stream = await subscribeEvents(`${url}/events`);
    await waitFor(
      () =>
        stream.events.some((e) => e.event === 'status' && JSON.stringify(e.data).includes('ECONNREFUSED')),
      {
        timeoutMs: 5000,
        message: 'the failure on /events',
      },
    );
    const surfaces = {
      status: (await get(`${url}/status`)).body,
      events: JSON.stringify(stream.events),
      page: (await get(`${url}/`)).body,
      cluster: (await get(`${url}/cluster`)).body,
      metrics: (await get(`${url}/metrics`)).body,
    };
    // The failure is shown (the test would prove nothing otherwise), its secrets are not.
    expect(surfaces.status).toContain('ECONNREFUSED');
    for (const [surface, text] of Object.entries(surfaces)) {
      for (const secret of SECRETS) expect(text, `${surface} shows ${secret}`).not.toContain(secret);
    }
  });
});
