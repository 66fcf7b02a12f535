import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TlsMaterial {
  /** The throwaway CA's certificate (PEM), for the client's `ca`. */
  readonly ca: Buffer;
  /** Server certificate for 127.0.0.1 and its key (PEM), for the simulator. */
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** A one-day CA and a server certificate for 127.0.0.1/localhost, made with openssl in a temp dir. */
export async function createTlsMaterial(): Promise<TlsMaterial> {
  const dir = mkdtempSync(join(tmpdir(), 'consul-sim-tls-'));
  try {
    const openssl = (...args: string[]) => run('openssl', args, { cwd: dir });
    const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    await openssl(
      'req',
      '-x509',
      ...newKey,
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '1',
      '-subj',
      '/CN=sim-ca',
    );
    writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    await openssl('req', ...newKey, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
    await openssl(
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.crt',
      '-days',
      '1',
      '-extfile',
      'server.ext',
    );
    const read = (name: string) => readFileSync(join(dir, name));
    return { ca: read('ca.crt'), cert: read('server.crt'), key: read('server.key') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
