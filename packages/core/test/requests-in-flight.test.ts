import { describe, expect, it } from 'vitest';
import { BackendUnavailableError, createErrorMapper, RequestsInFlight } from '../src/adapter/index.js';

const requests = () =>
  new RequestsInFlight({
    source: '@election/x',
    what: 'x membership backend',
    toElectionError: createErrorMapper('@election/x'),
  });

/** A request that settles only when cancelled (a blocking query): rejects with the cancel's reason. */
const blocking = (cancel: AbortSignal) =>
  new Promise<never>((_, reject) =>
    cancel.addEventListener('abort', () => reject(new Error('socket closed'))),
  );

describe('RequestsInFlight', () => {
  it('maps a failure to the adapter error; an answer passes through', async () => {
    const inFlight = requests();
    await expect(inFlight.run('read k', undefined, async () => 'value')).resolves.toBe('value');
    const failed = inFlight.run('read k', undefined, async () => {
      throw new Error('HTTP 500');
    });
    await expect(failed).rejects.toThrow('[@election/x] Could not read k: HTTP 500');
    await expect(failed).rejects.toBeInstanceOf(BackendUnavailableError);
  });

  it('cancelAll: every request in flight is cancelled and says so; later requests still run', async () => {
    const inFlight = requests();
    const first = inFlight.run('watch p', undefined, blocking);
    const second = inFlight.run('read s', undefined, blocking);
    inFlight.cancelAll();
    await expect(first).rejects.toThrow(
      '[@election/x] Could not watch p: cancelled, the last use of this x membership backend ended.',
    );
    await expect(second).rejects.toThrow(/Could not read s: cancelled/);
    await expect(inFlight.run('read k', undefined, async () => 1)).resolves.toBe(1);
  });

  it("the caller's abort cancels the request and is rethrown as it is", async () => {
    const inFlight = requests();
    const controller = new AbortController();
    const request = inFlight.run('watch p', controller.signal, blocking);
    const reason = new Error('stopped');
    controller.abort(reason);
    await expect(request).rejects.toBe(reason);
    await expect(inFlight.run('read k', controller.signal, async () => 1)).rejects.toBe(reason);
  });

  it('close: cancels what is in flight and refuses later requests', async () => {
    const inFlight = requests();
    const request = inFlight.run('watch p', undefined, blocking);
    inFlight.close();
    await expect(request).rejects.toThrow(/cancelled/);
    await expect(inFlight.run('read k', undefined, async () => 1)).rejects.toThrow(
      '[@election/x] Could not read k: this x membership backend was closed.',
    );
  });
});
