/**
 * The repository's root README example, as written, on Consul: only its membership line and that
 * line's import change, and both are taken from the README's own Consul lines (port aside). Runs on
 * the Consul simulator of this package's test support, in a child process from the sources.
 */
import { fileURLToPath } from 'node:url';
import { waitFor } from '@election/testing';
import {
  type ExampleProcess,
  readmeExample,
  replaceOnce,
  rootReadmeExampleOn,
  startExample,
} from '@election/tools';
import { afterEach, describe, expect, it } from 'vitest';
import { type ConsulSimulator, startConsulSimulator } from './support/consul-simulator.js';

const readme = fileURLToPath(new URL('../../../README.md', import.meta.url));
const scratchDir = fileURLToPath(new URL('../.tmp/', import.meta.url));

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The README's own line of `block` that starts with `prefix`. */
function lineOf(block: string, prefix: string): string {
  const line = block.split('\n').find((text) => text.startsWith(prefix));
  if (line === undefined) throw new Error(`the root README no longer has a line starting ${prefix}`);
  return line;
}

function exampleOnConsul(sim: ConsulSimulator): string {
  const swap = readmeExample(readme, 'createConsulMembership(');
  const importLine = lineOf(swap, "import { createConsulMembership } from '@election/consul';");
  const membershipLine = replaceOnce(
    lineOf(swap, 'const membership = createConsulMembership('),
    'port: 8500',
    `port: ${sim.port}`,
  );
  return rootReadmeExampleOn(readme, importLine, membershipLine);
}

describe('the root README example on Consul (simulator)', () => {
  it('leads with a fencing token, and after SIGTERM exits by itself within 1 s of stop() resolving', async () => {
    const sim = await startConsulSimulator();
    cleanups.push(() => sim.close());
    const example: ExampleProcess = startExample({
      code: exampleOnConsul(sim),
      scratchDir,
      name: 'root-readme',
    });
    cleanups.push(() => example.dispose());
    const leading = () => example.lines.find((line) => line.startsWith('leading, fencing token'));
    await waitFor(() => leading() !== undefined, {
      timeoutMs: 15_000,
      message: 'the example to lead',
      describe: () => example.process.stderrTail(),
    });
    expect(leading()).toMatch(/^leading, fencing token [1-9]\d*$/);
    await waitFor(() => example.records.some((record) => record.type === 'started'), {
      timeoutMs: 5000,
      message: 'the example to finish its start-up',
    });

    const exit = await example.terminate();
    console.log(
      `root README on Consul (simulator): exited ${exit.afterStopMs?.toFixed(1)} ms after stop() resolved`,
    );
    expect(exit.killed, 'the process was still running 5 s after SIGTERM').toBe(false);
    expect(exit.code, example.process.stderrTail()).toBe(0);
    expect(exit.afterStopMs).toBeLessThan(1000);
  }, 30_000);
});
