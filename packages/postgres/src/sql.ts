/**
 * The adapter's schema: two tables, one sequence and the functions every statement calls. Each
 * function is one round trip and one transaction. Writes to an election lock its state row first
 * (`for update`) and move its `version` from the sequence under that lock, so versions grow in
 * commit order and the fencing token of a holding is the version of the write that created it.
 * Expiry is decided by the server's clock (`clock_timestamp()`), never by a client's: renewal
 * cannot revive an expired row, the statements reap expired rows (no server-side job), and a
 * leader row counts only while its holder's registration is live.
 * Identifiers are quoted; the schema name was checked to be a plain identifier (options.ts).
 */

/**
 * Bumped when the functions change. A migration only adds overloads and never drops one, so an
 * adapter works on a schema of its version or newer; an older schema is migrated on first use (when
 * allowed), a newer one is used as is.
 */
export const SCHEMA_VERSION = 3;

/**
 * The longest a function waits for a row lock before it fails (55P03, retried), ms: three quarters
 * of the client's bound on the statement, so the server gives up first and the rest of the bound
 * is left for the answer to travel. (A statement the client gave up on would wait on alone.)
 */
export const lockTimeoutMs = (requestTimeoutMs: number) => Math.max(1, Math.floor(requestTimeoutMs * 0.75));

/** The NOTIFY channel of a schema's elections; the payload is the election's name. */
export const channelOf = (schema: string) => `${schema}_election`;

/** Everything the adapter needs in `schema`, idempotent: the migration a DBA can run by hand. */
export function migrationSql(schema: string): string {
  const s = `"${schema}"`;
  // A locking read (`for share`): under READ COMMITTED it waits for a renewal of that row still in
  // flight and returns the row the renewal committed (EvalPlanQual; PostgreSQL docs,
  // "Transaction Isolation", Read Committed). A plain read would see the last committed expiry and
  // could judge dead a registration whose renewal ran while it lived (review17 F1).
  // The row is locked by its registration alone and its expiry compared outside: a locking read
  // skips a row whose committed version fails its WHERE, so an expiry test inside would not wait.
  const live = (registration: string) =>
    `coalesce((select m.expires_at from ${s}.election_members m where m.registration = ${registration} for share) > clock_timestamp(), false)`;
  const lock = `select * into st from ${s}.election_state where name = e for update;`;
  const next = `nextval('${s}.election_version')`;
  const notify = `perform pg_notify('${channelOf(schema)}', e);`;
  /** The leader row of `r` with token `t` is not the stored one. */
  const notHolding = 'st.leader is distinct from r or st.token is distinct from t';
  /** Writes the leader row at the next version, tells the listeners, answers the version. */
  const writeLeader = (leader: string, token: string, handed: boolean) => `v := ${next};
  update ${s}.election_state set version = v, leader = ${leader}, token = ${token}, handed = ${handed} where name = e;
  ${notify}
  return v;`;
  // Each function bounds its own lock waits: its last argument, `lock_ms`, set as lock_timeout for
  // its transaction (set_config(…, true), before any lock is taken: the wait reads it when it
  // starts). The caller passes it from its requestTimeoutMs (lockTimeoutMs); it needs no startup
  // parameter and outlives no transaction, so it holds behind pgbouncer in transaction mode. A
  // statement_timeout set there would not bound the statement already running, and a startup one
  // pgbouncer refuses (review17 F2).
  const bound = `set_config('lock_timeout', lock_ms || 'ms', true);`;
  const fn = (signature: string, returns: string, body: string, language = 'plpgsql') => {
    const bounded =
      language === 'sql'
        ? `select ${bound}\n${body}`
        : body.replace('begin\n', `begin\n  perform ${bound}\n`);
    return `create or replace function ${s}.${signature.replace(/\)$/, ', lock_ms int)')} returns ${returns} language ${language} as $fn$\n${bounded}\n$fn$;`;
  };
  // The functions of an older version are overloads these do not replace: the migration drops
  // nothing. It never sets the version down either: run after a newer one (a node not yet upgraded
  // that read the older version just before), it leaves the newer version (README: Migration).
  return `create schema if not exists ${s};
create sequence if not exists ${s}.election_version;
create table if not exists ${s}.election_state (
  name text primary key,
  version bigint not null,
  leader bigint,
  token bigint,
  handed boolean not null default false
);
create table if not exists ${s}.election_members (
  election text not null,
  id text not null,
  registration bigint not null unique,
  member jsonb not null,
  expires_at timestamptz not null,
  renewals bigint not null default 0,
  primary key (election, id)
);
do $v$
declare had int;
begin
  if to_regprocedure('${s}.election_schema_version()') is not null then
    execute 'select ${s}.election_schema_version()' into had;
  end if;
  if coalesce(had, 0) < ${SCHEMA_VERSION} then
    create or replace function ${s}.election_schema_version() returns int language sql as $fn$ select ${SCHEMA_VERSION} $fn$;
  end if;
end $v$;
${fn(
  'election_register(e text, member_id text, member jsonb, ttl_ms double precision, out registration bigint, out held_by bigint)',
  'record',
  `declare st ${s}.election_state;
begin
  insert into ${s}.election_state (name, version) values (e, 0) on conflict (name) do nothing;
  ${lock}
  delete from ${s}.election_members where election = e and expires_at <= clock_timestamp();
  select m.registration into held_by from ${s}.election_members m where m.election = e and m.id = member_id;
  if held_by is not null then return; end if;
  registration := ${next};
  insert into ${s}.election_members (election, id, registration, member, expires_at)
    values (e, member_id, registration, member, clock_timestamp() + ttl_ms * interval '1 millisecond');
  update ${s}.election_state set version = registration,
    leader = case when ${live('leader')} then leader end,
    token = case when ${live('leader')} then token end
    where name = e;
  ${notify}
end;`,
)}
${fn(
  'election_renew(r bigint, ttl_ms double precision)',
  'boolean',
  `update ${s}.election_members set expires_at = clock_timestamp() + ttl_ms * interval '1 millisecond', renewals = renewals + 1
  where registration = r and expires_at > clock_timestamp() returning true`,
  'sql',
)}
${fn(
  'election_renewals(r bigint)',
  'bigint',
  `select renewals from ${s}.election_members where registration = r and expires_at > clock_timestamp()`,
  'sql',
)}
${fn(
  'election_deregister(e text, r bigint)',
  'void',
  `declare st ${s}.election_state;
begin
  ${lock}
  delete from ${s}.election_members where registration = r;
  if not found and st.leader is distinct from r then return; end if;
  update ${s}.election_state set version = ${next},
    leader = case when leader = r then null else leader end,
    token = case when leader = r then null else token end
    where name = e;
  ${notify}
end;`,
)}
${fn(
  'election_update(e text, r bigint, member jsonb)',
  'boolean',
  `declare st ${s}.election_state;
begin
  ${lock}
  update ${s}.election_members m set member = election_update.member
    where m.registration = r and m.expires_at > clock_timestamp();
  if not found then return false; end if;
  update ${s}.election_state set version = ${next} where name = e;
  ${notify}
  return true;
end;`,
)}
${fn(
  'election_acquire(e text, r bigint, out token bigint, out held_by bigint, out gone boolean)',
  'record',
  `declare st ${s}.election_state;
begin
  gone := false;
  ${lock}
  if not ${live('r')} then gone := true; return; end if;
  if st.leader = r then token := st.token; return; end if;
  if st.leader is not null and ${live('st.leader')} then held_by := st.token; return; end if;
  token := ${next};
  update ${s}.election_state set version = election_acquire.token, leader = r, token = election_acquire.token, handed = false
    where name = e;
  ${notify}
end;`,
)}
${fn(
  'election_release(e text, r bigint, t bigint)',
  'bigint',
  `declare st ${s}.election_state; v bigint;
begin
  ${lock}
  if ${notHolding} then return null; end if;
  ${writeLeader('null', 'null', false)}
end;`,
)}
${fn(
  'election_transfer(e text, r bigint, t bigint, to_id text)',
  'bigint',
  `declare st ${s}.election_state; successor bigint; v bigint;
begin
  ${lock}
  if ${notHolding} or not ${live('r')} then return null; end if;
  select m.registration into successor from ${s}.election_members m
    where m.election = e and m.id = to_id for share;
  if not ${live('successor')} then return null; end if;
  ${writeLeader('successor', 'v', true)}
end;`,
)}
${fn(
  'election_read(e text, out version bigint, out members jsonb, out leader_id text, out leader bigint, out token bigint, out handed boolean, out next_expiry_ms double precision)',
  'record',
  `select coalesce(st.version, 0),
    coalesce((select jsonb_agg(m.member order by m.id) from ${s}.election_members m
      where m.election = e and m.expires_at > clock_timestamp()), '[]'::jsonb),
    h.id, h.registration, case when h.id is not null then st.token end, coalesce(st.handed and h.id is not null, false),
    (select extract(epoch from min(m.expires_at) - clock_timestamp()) * 1000 from ${s}.election_members m
      where m.election = e and m.expires_at > clock_timestamp())
  from (select e as name) n
  left join ${s}.election_state st on st.name = n.name
  left join ${s}.election_members h on h.registration = st.leader and h.expires_at > clock_timestamp()`,
  'sql',
)}`;
}

/** What the app's user needs on the schema when it did not create it (README: Migration). */
export function grantsSql(schema: string, role: string): string {
  const s = `"${schema}"`;
  return `grant usage on schema ${s} to ${role};
grant select, insert, update, delete on all tables in schema ${s} to ${role};
grant usage, select, update on sequence ${s}.election_version to ${role};
grant execute on all functions in schema ${s} to ${role};`;
}
