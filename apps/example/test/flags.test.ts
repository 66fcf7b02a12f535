import { describe, expect, it } from 'vitest';
import { envName, parseArgs, UsageError } from '../src/flags.js';

function config(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const result = parseArgs(argv, env);
  if (result.help) throw new Error('unexpected --help');
  return result.config;
}

function usage(argv: string[], env: NodeJS.ProcessEnv = {}): string {
  try {
    parseArgs(argv, env);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as UsageError).message;
  }
  throw new Error(`expected a UsageError for ${argv.join(' ')}`);
}

describe('parseArgs', () => {
  it('applies the defaults: static backend, election "default", 127.0.0.1 with a free port', () => {
    expect(config(['--id', 'a'])).toEqual({
      id: 'a',
      backend: 'static',
      peers: [],
      etcd: ['http://127.0.0.1:2379'],
      consul: 'http://127.0.0.1:8500',
      postgres: 'postgres://127.0.0.1:5432/postgres',
      election: 'default',
      ttlSeconds: undefined,
      ttlGiven: undefined,
      startTimeoutSeconds: undefined,
      takeover: false,
      mode: undefined,
      priority: 0,
      observer: false,
      listen: { host: '127.0.0.1', port: 0 },
      logLevel: 'info',
    });
  });

  it('reads every flag, in both --flag value and --flag=value forms', () => {
    const parsed = config([
      '--id=n1',
      '--backend',
      'etcd',
      '--etcd',
      'http://127.0.0.1:2379,http://127.0.0.1:22379/',
      '--election=jobs',
      '--ttl',
      '3',
      '--start-timeout',
      '2.5',
      '--takeover',
      '--mode=confirmed',
      '--priority',
      '-2',
      '--observer',
      '--listen',
      '[::1]:8080',
      '--log-level=debug',
    ]);
    expect(parsed).toMatchObject({
      id: 'n1',
      backend: 'etcd',
      etcd: ['http://127.0.0.1:2379', 'http://127.0.0.1:22379'],
      election: 'jobs',
      ttlSeconds: 3,
      ttlGiven: '--ttl 3',
      startTimeoutSeconds: 2.5,
      takeover: true,
      mode: 'confirmed',
      priority: -2,
      observer: true,
      listen: { host: '::1', port: 8080 },
      logLevel: 'debug',
    });
  });

  it('parses --peers id=url lists', () => {
    expect(
      config(['--id', 'a', '--peers', 'b=http://127.0.0.1:7002, c=http://127.0.0.1:7003/']).peers,
    ).toEqual([
      { id: 'b', url: 'http://127.0.0.1:7002' },
      { id: 'c', url: 'http://127.0.0.1:7003' },
    ]);
  });

  it('reads ELECTION_* variables for flags not given, and lets flags win', () => {
    const env = { ELECTION_ID: 'from-env', ELECTION_LOG_LEVEL: 'warn', ELECTION_LISTEN: '127.0.0.1:9000' };
    expect(config([], env)).toMatchObject({ id: 'from-env', logLevel: 'warn', listen: { port: 9000 } });
    expect(config(['--id', 'from-flag'], env).id).toBe('from-flag');
    expect(envName('log-level')).toBe('ELECTION_LOG_LEVEL');
    expect(
      config([], { ELECTION_ID: 'a', ELECTION_BACKEND: 'consul', ELECTION_CONSUL: 'http://127.0.0.1:18500' }),
    ).toMatchObject({ backend: 'consul', consul: 'http://127.0.0.1:18500' });
  });

  it('reads --start-timeout and --takeover from variables too, and keeps how the TTL was given', () => {
    expect(
      config([], {
        ELECTION_ID: 'a',
        ELECTION_START_TIMEOUT: '0.5',
        ELECTION_TAKEOVER: 'true',
        ELECTION_TTL: '1.5',
      }),
    ).toMatchObject({
      startTimeoutSeconds: 0.5,
      takeover: true,
      ttlSeconds: 1.5,
      ttlGiven: 'ELECTION_TTL=1.5',
    });
    expect(config(['--id', 'a', '--takeover=false']).takeover).toBe(false);
  });

  it('suggests each URL flag its own kind of address (never etcd port 2379 for Consul)', () => {
    const consul = usage(['--id', 'a', '--backend', 'consul', '--consul', 'localhost']);
    expect(consul).toMatch(/--consul: "localhost" is not a URL; write it like http:\/\/127\.0\.0\.1:8500\./);
    expect(consul).not.toMatch(/2379/);
    expect(usage(['--id', 'a', '--backend', 'etcd', '--etcd', 'x'])).toMatch(
      /like http:\/\/127\.0\.0\.1:2379/,
    );
    expect(usage(['--id', 'a', '--peers', 'b=nope'])).toMatch(/like http:\/\/127\.0\.0\.1:7002/);
  });

  it('reads --postgres (or ELECTION_POSTGRES) for --backend postgres; a bad one is named with its password masked', () => {
    const url = 'postgres://app:pw-53cr3t@127.0.0.1:6543/jobs';
    expect(config(['--id', 'a', '--backend', 'postgres', '--postgres', url])).toMatchObject({
      backend: 'postgres',
      postgres: url,
    });
    expect(
      config([], { ELECTION_ID: 'a', ELECTION_BACKEND: 'postgres', ELECTION_POSTGRES: url }).postgres,
    ).toBe(url);
    const wrong = usage([
      '--id',
      'a',
      '--backend',
      'postgres',
      '--postgres',
      'mysql://app:pw-53cr3t@db/jobs',
    ]);
    expect(wrong).toMatch(
      /--postgres: ".*" must start with postgres:\/\/ \(e\.g\. postgres:\/\/127\.0\.0\.1:5432\/postgres\)/,
    );
    expect(wrong).not.toContain('pw-53cr3t');
    expect(usage(['--id', 'a', '--backend', 'etcd', '--postgres', url])).toMatch(
      /--postgres only applies to --backend postgres/,
    );
  });

  it('returns help for --help, whatever else is given', () => {
    expect(parseArgs(['--help'])).toEqual({ help: true });
    expect(parseArgs(['--id', 'a', '--help'])).toEqual({ help: true });
  });

  it.each([
    [['--id', 'a', '--bogus'], /unknown flag --bogus/],
    [['--id', 'a', 'stray'], /unexpected argument "stray"/],
    [['--id'], /--id needs a value/],
    [['--id', '--observer'], /--id needs a value/],
    [['--id', 'a', '-x'], /unexpected argument "-x"/],
    [['--id', 'a', '--id', 'b'], /--id is given twice/],
    [[], /--id is required/],
    [['--id', 'a/b'], /--id: .*contains "\/"/],
    [
      ['--id', 'a', '--backend', 'zookeeper'],
      /--backend: "zookeeper" is not one of static, etcd, consul, postgres/,
    ],
    [['--id', 'a', '--ttl', 'abc'], /--ttl: "abc" is not a number of seconds > 0/],
    [['--id', 'a', '--ttl', '0'], /--ttl: "0"/],
    [
      ['--id', 'a', '--start-timeout', 'soon'],
      /--start-timeout: "soon" is not a number of seconds, at least 0.001/,
    ],
    [['--id', 'a', '--start-timeout', '-1'], /--start-timeout: "-1"/],
    [
      ['--id', 'a', '--start-timeout', '0.0001'],
      /--start-timeout: "0.0001" is not a number of seconds, at least 0.001/,
    ],
    [['--id', 'a', '--takeover=perhaps'], /--takeover: "perhaps" is not true or false/],
    [
      ['--id', 'a', '--backend', 'etcd', '--mode', 'strict'],
      /--mode: "strict" is not one of view, confirmed/,
    ],
    [['--id', 'a', '--backend', 'etcd', '--priority', 'high'], /--priority: "high" is not a number/],
    [['--id', 'a', '--listen', 'localhost'], /--listen: "localhost" is not HOST:PORT/],
    [['--id', 'a', '--listen', '127.0.0.1:70000'], /--listen: "127.0.0.1:70000"/],
    [['--id', 'a', '--log-level', 'loud'], /--log-level: "loud" is not one of/],
    [['--id', 'a', '--peers', 'b'], /--peers: "b" is not id=url/],
    [['--id', 'a', '--peers', 'b=ftp://127.0.0.1'], /--peers \(peer "b"\): .* must start with http/],
    [['--id', 'a', '--peers', 'b=http://127.0.0.1:1,b=http://127.0.0.1:2'], /peer "b" is listed twice/],
    [['--id', 'a', '--backend', 'etcd', '--etcd', 'nope'], /--etcd: "nope" is not a URL/],
    [['--id', 'a', '--backend', 'etcd', '--observer=maybe'], /--observer: "maybe" is not true or false/],
  ])('rejects %j naming the culprit', (argv, message) => {
    expect(usage(argv)).toMatch(message);
  });

  it('names the environment variable when the bad value came from one', () => {
    expect(usage([], { ELECTION_ID: 'a', ELECTION_TTL: 'soon' })).toMatch(/^ELECTION_TTL: "soon"/);
    expect(usage([], { ELECTION_ID: 'a', ELECTION_MODE: 'bogus' })).toMatch(/^ELECTION_MODE:/);
  });

  it('rejects a backend-specific flag given for another backend, but ignores such a variable', () => {
    expect(usage(['--id', 'a', '--etcd', 'http://127.0.0.1:2379'])).toMatch(
      /--etcd only applies to --backend etcd, but the backend is static/,
    );
    expect(usage(['--id', 'a', '--backend', 'etcd', '--peers', 'b=http://127.0.0.1:1'])).toMatch(
      /--peers only/,
    );
    expect(config(['--id', 'a'], { ELECTION_ETCD: 'http://127.0.0.1:2379' }).backend).toBe('static');
  });

  it('refuses what the static backend cannot honour: confirmed mode, priority, observer', () => {
    expect(usage(['--id', 'a', '--mode', 'confirmed'])).toMatch(/--mode: confirmed mode needs a leader lock/);
    expect(usage(['--id', 'a', '--priority', '1'])).toMatch(
      /--priority is not supported with --backend static/,
    );
    expect(usage(['--id', 'a', '--observer'])).toMatch(/--observer is not supported with --backend static/);
    expect(config(['--id', 'a', '--mode', 'view', '--observer=false']).mode).toBe('view');
  });
});
