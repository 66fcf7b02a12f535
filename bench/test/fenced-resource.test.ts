import { afterEach, describe, expect, it } from 'vitest';
import { type FencedResource, startFencedResource } from '../src/chaos/fenced-resource.js';

let resource: FencedResource | undefined;
afterEach(async () => {
  await resource?.close();
  resource = undefined;
});

const write = (url: string, token: string, proc = 'n1#1') =>
  fetch(`${url}/write?node=n1&proc=${encodeURIComponent(proc)}&token=${token}&sentAt=1`, { method: 'POST' });

describe('fenced resource', () => {
  it('accepts equal and higher tokens and rejects a lower one', async () => {
    resource = await startFencedResource();
    expect((await write(resource.url, '5')).status).toBe(200);
    expect((await write(resource.url, '5')).status).toBe(200);
    expect((await write(resource.url, '9', 'n2#1')).status).toBe(200);
    const stale = await write(resource.url, '5');
    expect(stale.status).toBe(409);
    expect(await stale.json()).toEqual({ accepted: false, highest: '9' });
    expect(resource.writes.map((w) => [w.token, w.accepted])).toEqual([
      ['5', true],
      ['5', true],
      ['9', true],
      ['5', false],
    ]);
  });

  it('answers 400 to a malformed request and records nothing', async () => {
    resource = await startFencedResource();
    expect((await fetch(`${resource.url}/write?token=abc`, { method: 'POST' })).status).toBe(400);
    expect((await fetch(`${resource.url}/write?node=n1&proc=p&token=1`)).status).toBe(400);
    expect(resource.writes).toEqual([]);
  });
});
