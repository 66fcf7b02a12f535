export const HELP = `election-node: one node of a leader election, with HTTP status, health, metrics and a live page.

Usage: election-node --id ID [options]
       election-node list [--backend etcd --etcd URL | --backend consul --consul URL |
                           --backend postgres --postgres URL | --peers …] [--election NAME]
         prints every member with its role, term, lease left and reason, like patronictl list, from
         the backend without a running node (etcd, consul: joins as a short-lived observer and leaves)

Options (each can also be set with the ELECTION_* variable shown; a flag wins over the variable):
  --id ID                  this node's id, unique in the election (required)      ELECTION_ID
  --backend NAME           static | etcd | consul | postgres (default static)     ELECTION_BACKEND
  --peers ID=URL,...       static: the other members and their base URLs          ELECTION_PEERS
  --etcd URL,...           etcd: endpoints (default http://127.0.0.1:2379)        ELECTION_ETCD
  --consul URL             consul: agent address (default http://127.0.0.1:8500)  ELECTION_CONSUL
  --postgres URL           postgres: connection string                            ELECTION_POSTGRES
                           (default postgres://127.0.0.1:5432/postgres)
  --election NAME          election name: nodes with the same name elect together ELECTION_ELECTION
                           (default "default"; etcd, consul and postgres)
  --ttl SECONDS            registration TTL; static: how long a dead peer takes   ELECTION_TTL
                           to drop out (default: the backend's own). Whole
                           seconds on etcd (2-86400) and consul (10-86400)
  --start-timeout SECONDS  give up joining after this long and exit 1, naming     ELECTION_START_TIMEOUT
                           the backend and its address (fractions allowed;
                           default: keep retrying, /readyz answers 503 meanwhile)
  --takeover               etcd, consul, postgres: on start, revoke this id's     ELECTION_TAKEOVER
                           previous registration at once instead of waiting
                           for it to expire (a crashed node restarted at once).
                           Safe only when nothing else can run with this id:
                           one process per id, as a Kubernetes StatefulSet or
                           one systemd unit per id guarantees. A second live process with
                           the id would be evicted. Without it, a restart under
                           the same id waits out the dead registration, and a
                           live holder is refused as a duplicate.
  --mode view|confirmed    confirmed needs etcd, consul or postgres (default);    ELECTION_MODE
                           static is view only
  --priority N             lower leads first (default 0; not static)              ELECTION_PRIORITY
  --observer               never lead, only watch (not static)                    ELECTION_OBSERVER
  --listen HOST:PORT       HTTP address (default 127.0.0.1 and a free port)       ELECTION_LISTEN
  --advertise-url URL      where other nodes and list reach this node's HTTP    ELECTION_ADVERTISE_URL
                           endpoints (published as its status URL, URL/status),
                           e.g. http://node-1.internal:7001. Default: the --listen
                           address; with 0.0.0.0 or :: no status URL is published
                           (set this flag then)
  --log-level LEVEL        trace | debug | info | warn | error | fatal | silent   ELECTION_LOG_LEVEL
  --help                   show this text

HTTP (served by @election/http):
  GET /          the live page: members, leader and term, phase and reason, lease, timeline
  GET /status    {"id","leaderId","isLeader","term","members","phase","backend","reason",...}
  GET /healthz   200 while the process runs (static peers probe it)
  GET /readyz    200 once joined, 503 before and while the backend has failed for more than a
                 renewal interval (TTL/3)
  GET /leader    200 on the leader only (for a load balancer), 503 elsewhere; /follower the reverse
  GET /cluster   every member's /status, asked by this node (members publish it in their metadata)
  GET /metrics   Prometheus text (@election/prometheus and Node's process metrics)
  GET /events    Server-Sent Events: status and leadership changes

SIGTERM or SIGINT: resign, leave, close the backend and the HTTP server; the process then ends by
itself with code 0 (within 2 s; if the backend does not answer, the registration expires by TTL).
A start that fails (--start-timeout passed, a duplicate id) exits 1. Bad flags exit with code 2;
so does list (which takes the same backend flags), and it exits 1 when it cannot read the election.

Example (three nodes on one machine, static backend):
  election-node --id a --listen 127.0.0.1:7001 --peers b=http://127.0.0.1:7002,c=http://127.0.0.1:7003
  election-node --id b --listen 127.0.0.1:7002 --peers a=http://127.0.0.1:7001,c=http://127.0.0.1:7003
  election-node --id c --listen 127.0.0.1:7003 --peers a=http://127.0.0.1:7001,b=http://127.0.0.1:7002
`;
