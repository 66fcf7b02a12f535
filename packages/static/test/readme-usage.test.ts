import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@election/testing';
import { freePort, readmeExample, replaceOnce, type ScriptProcess, spawnScript } from '@election/tools';
import { afterEach, describe, expect, it } from 'vitest';

const readme = fileURLToPath(new URL('../README.md', import.meta.url));
const scratch = fileURLToPath(new URL('../.tmp/', import.meta.url));
const tsconfig = fileURLToPath(new URL('./support/tsconfig.child.json', import.meta.url));
const epochNow = () => performance.timeOrigin + performance.now();

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A peer that is alive: answers its /healthz with 200, on loopback. */
async function livePeer(): Promise<string> {
  const server = http.createServer((_request, response) => response.writeHead(200).end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * The README's Usage example, as written, with the addresses moved to loopback ports and two
 * lines of instrumentation: one when start() has resolved, one the moment stop() has resolved.
 */
async function readmeScript(): Promise<string> {
  const self = await freePort();
  let code = readmeExample(readme, 'createStaticMembership({');
  code = replaceOnce(code, 'http://10.0.0.1:8080', `http://127.0.0.1:${self}`);
  code = replaceOnce(code, 'http://10.0.0.2:8080', await livePeer());
  code = replaceOnce(code, 'http://10.0.0.3:8080', `http://127.0.0.1:${await freePort()}`); // down
  code = replaceOnce(code, 'server.listen(8080);', `server.listen(${self}, '127.0.0.1');`);
  const print = (type: string, extra = '') =>
    `console.log(JSON.stringify({ type: '${type}', at: performance.timeOrigin + performance.now()${extra} }));`;
  code = replaceOnce(
    code,
    'await elector.start();',
    `await elector.start();\n${print('started', ', leaderId: elector.state.leaderId, members: elector.state.members.map((m) => m.id)')}`,
  );
  code = replaceOnce(code, 'await elector.stop();', `await elector.stop();\n  ${print('stop-resolved')}`);
  mkdirSync(scratch, { recursive: true });
  const path = `${scratch}readme-usage-${process.pid}-${Date.now()}.ts`;
  writeFileSync(path, code);
  cleanups.push(() => rmSync(path, { force: true }));
  return path;
}

describe('the README usage, run as written in its own process', () => {
  it('leads, and after SIGTERM exits by itself within 1 s of stop() resolving', async () => {
    const records: Array<Record<string, unknown>> = [];
    const child: ScriptProcess = spawnScript({
      script: await readmeScript(),
      env: { ...process.env, TSX_TSCONFIG_PATH: tsconfig },
      onJson: (record) => records.push(record),
    });
    cleanups.push(() => child.dispose());
    let exitedAt = 0;
    let exitCode: number | null = null;
    child.child.once('exit', (code) => {
      exitedAt = epochNow();
      exitCode = code;
    });
    const started = () => records.find((record) => record.type === 'started');
    await waitFor(() => started() !== undefined, {
      timeoutMs: 15_000,
      message: 'the example to start',
      describe: () => child.stderrTail(),
    });
    // node-2 answers its probes, node-3 is down: node-1 sorts first among the live ones.
    expect(started()).toMatchObject({ leaderId: 'node-1', members: ['node-1', 'node-2'] });

    // 'close', not 'exit': the last line of stdout may still be in the pipe when the process exits.
    const closed = new Promise((resolve) => child.child.once('close', resolve));
    child.signal('SIGTERM');
    await closed;
    const stopResolved = records.find((record) => record.type === 'stop-resolved');
    expect(stopResolved, child.stderrTail()).toBeDefined();
    const afterStopMs = exitedAt - Number(stopResolved?.at);
    console.log(`static README usage: exited ${afterStopMs.toFixed(1)} ms after stop() resolved`);
    expect(exitCode).toBe(0);
    expect(afterStopMs).toBeLessThan(1000);
  }, 30_000);
});
