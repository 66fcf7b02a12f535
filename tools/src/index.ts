/**
 * Test and benchmark support shared by every package of this repository: the etcd and PostgreSQL
 * launchers (one shape, `TestServer`), free ports, node child processes, throwaway TLS
 * certificates and README examples as runnable code.
 * Private: never published, and no package's src imports it.
 */
export {
  createTlsMaterial,
  generateCertificates,
  type TestCertificates,
  type TlsMaterial,
} from './certificates.js';
export { type ScriptProcess, type SpawnScriptOptions, spawnScript } from './child-process.js';
export {
  ETCD_BINARY,
  ETCDCTL_BINARY,
  type EtcdClientOptions,
  type EtcdServer,
  type StartEtcdOptions,
  startEtcd,
} from './etcd-server.js';
export { findOnPath } from './etcd-tools.js';
export {
  type ExampleExit,
  type ExampleProcess,
  REPORT_STARTED,
  REPORT_STOP,
  rootReadmeExampleOn,
  startExample,
} from './example-process.js';
export { freePort, freePorts } from './free-port.js';
export {
  type AnnotatedBlock,
  annotatedCodeBlocks,
  type CodeBlock,
  codeBlocks,
  readmeExample,
  replaceOnce,
  sourceTsconfig,
  typeCheckBlocks,
} from './markdown.js';
export {
  type PgbouncerServer,
  pgbouncerBinary,
  type StartPgbouncerOptions,
  startPgbouncer,
} from './pgbouncer-server.js';
export {
  type PostgresClientOptions,
  type PostgresServer,
  postgresBinDir,
  type StartPostgresOptions,
  startPostgres,
} from './postgres-server.js';
export { mulberry32 } from './random.js';
export {
  type ServerProcess,
  type SpawnServerOptions,
  spawnServer,
  type TestServer,
  waitUntilReady,
} from './server-process.js';
export { startTcpRelay, type TcpRelay } from './tcp-relay.js';
