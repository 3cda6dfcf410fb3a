import { DEFAULT_GATEWAY_OPTIONS as D } from './options.js';

export const SERVE_USAGE = `keepwatch serve: the WebSocket keep-alive gateway (uWebSockets.js)

WebSocket endpoint /ws: ka_register, ka_heartbeat, ka_pong, ka_check,
ka_status as JSON text frames (the protocol's bodies, no src/dest). HTTP on
the same port: GET /healthz (open), GET /status[?offset=O&limit=L],
GET /metrics and the live dashboard GET /dashboard (admin: loopback peers,
--admin-token, or --admin-port; open /dashboard in a browser).
Logs are JSON lines (pino) on stderr; the first says which uWS is in use
and the bound port ({"event":"listening","uws":"native","port":N,...}),
whatever --log-level (except silent).

Options:
  --host HOST                        address to bind (default ${D.host})
  --port N                           port (default ${D.port}; 0 = any free port);
                                     a port already taken: exit 4 (uWS's
                                     SO_REUSEPORT sharing is turned off)
  --shards N                         monitor shards client_ids hash to (default ${D.shards})
  --workers N                        worker threads serving the shards (default ${D.workers}: in process)
  --threads N                        I/O threads sharing the port (SO_REUSEPORT),
                                     each serving its own connections and
                                     clients; HTTP answers cover all of them
                                     (default: the machine's available
                                     parallelism, ${D.threads} here; 1 = the main
                                     thread only, no supervisor; 1 with
                                     the pure-JS uWS fallback; with
                                     --admin-port, I/O thread 0 serves it)
  --max-payload-bytes N              largest message accepted; uWS drops a
                                     peer sending more at once, without a
                                     close frame (the peer sees 1006) (default ${D.maxPayloadBytes})
  --max-clients-per-connection N     a register beyond this closes the
                                     connection with 4002 (default ${D.maxClientsPerConnection})
  --max-send-buffer-bytes N          bytes queued for a peer that does not read
                                     before it is closed with 4003; a single
                                     reply larger than this (a ka_status of many
                                     clients) is refused with error 40 (default ${D.maxSendBufferBytes})
  --ping app|ws|both                 what a silent client is pinged with, once
                                     per interval: app = {"type": "ka_ping"},
                                     which only its application can answer;
                                     ws = a WebSocket ping frame, answered by
                                     its WebSocket stack even with the
                                     application hung (transport liveness
                                     only; a client sharing its connection
                                     still gets ka_ping); both: the two
                                     (default ${D.ping})
  --ping-jitter-ms N                 a due ping waits a random 0..min(N,
                                     ping_interval_ms/10) ms, so clients that
                                     registered together are not pinged
                                     together (default ${D.pingJitterMs}; 0 = none)
  --max-unreported-expiries N        expired ids a connection keeps for its
                                     next ka_check (default ${D.maxUnreportedExpiries})
  --max-output-bytes N               bytes queued for all peers together; beyond
                                     it the peers with the largest backlog are
                                     closed with 4040 (default ${D.maxOutputBytes})
  --max-clients N                    clients in the whole gateway; a register of
                                     a new client_id beyond it gets error 41
                                     (default ${D.maxClients})
  --max-connections N                WebSocket connections in the whole gateway;
                                     an upgrade beyond it is answered 503 and
                                     closed (default: the open-file limit less
                                     a tenth, at least 64 less; here ${D.maxConnections})
  --max-status-requests N            GET /status streams served at once; more
                                     are answered 503 with Retry-After: 1
                                     (default ${D.maxStatusRequests})
  --register-timeout-ms N            a connection that registers no client
                                     within N ms is closed with 4004, so a
                                     peer that connects and hangs does not
                                     hold a socket (default ${D.registerTimeoutMs}; 0 = never)
  --shutdown-timeout-ms N            on SIGTERM/SIGINT: stop accepting, close
                                     every connection with 1001, exit 0 within
                                     N ms (default ${D.shutdownTimeoutMs})
  --allow-js-fallback                serve even if uWebSockets.js fell back to
                                     its slow pure-JS server (refused otherwise)
  --redis URL                        join a cluster of gateways on one Redis
                                     (redis://host:port): one owner per
                                     client_id across the fleet, dead gateways'
                                     clients declared gone, GET /cluster and
                                     GET /status?scope=cluster. Without it the
                                     gateway runs alone and needs no Redis
  --redis-cluster HOST:PORT,...      the same on a Redis Cluster (seed nodes)
  --node-id ID                       this gateway's name in the cluster
                                     (default hostname-pid); every start adds
                                     a fresh incarnation to it
  --cluster-lease-ms N               lease lifetime; renewed every N/6 ms, a
                                     dead gateway's clients are declared gone
                                     by the survivors about N ms after its
                                     death (default 3000)
  --log-level LEVEL                  pino level: fatal, error, warn, info,
                                     debug, trace (default ${D.logLevel})
  --admin-token TOKEN                admin routes (/status, /metrics, ...) need
                                     'Authorization: Bearer TOKEN' (or
                                     ?admin_token=TOKEN) from every peer; without
                                     it they answer loopback peers only (403)
  --admin-port N                     serve the admin routes on a separate
                                     listener instead (the gateway's port then
                                     has none; 0 = any free port, logged as adminPort)
  --admin-host HOST                  the admin listener's address (default ${D.adminHost});
                                     not loopback: needs --admin-token or --insecure
  --insecure                         allow an unauthenticated surface beyond
                                     loopback (--host or --admin-host)

Configuration: --config FILE (or KEEPWATCH_CONFIG) reads a JSON object whose
keys are these flags' names ({"port": 9001, "auth": "jwt", ...}); every flag
can also be set as KEEPWATCH_<NAME> (KEEPWATCH_JWT_SECRET, KEEPWATCH_MAX_MESSAGE_RATE).
Flags win over the environment, the environment over the file.

Identity (see the README's "Exposing the gateway"):
  --auth none|jwt                    jwt: /ws needs a token (Authorization: Bearer,
                                     or ?access_token= for browsers): 401 otherwise.
                                     'sub', 'client_ids' or 'client_id_prefix' name
                                     the ids it may register (error 30 for others);
                                     at its 'exp' the connection closes with 4010
                                     (default none; a non-loopback --host needs jwt
                                     or --insecure)
  --jwt-secret SECRET                HS256/384/512 shared secret (32+ bytes)
  --jwt-jwks FILE                    JSON Web Key Set file (RS*, PS*, ES*, EdDSA)
  --jwt-issuer ISS, --jwt-audience AUD   required iss / aud claims
  --takeover newest|reject           registering an id held by another connection:
                                     newest moves it (4001/ka_moved), reject refuses
                                     it (error 31) (default newest)
  --tls-cert FILE, --tls-key FILE    PEM files: serve wss:// and https:// (uWS SSLApp)
  --allowed-origins O1,O2            browser origins that may open /ws (403 for
                                     others; clients sending no Origin pass)

Negotiated timeouts (ka_register_ok carries the granted timeout_ms, ping_interval_ms):
  --min-timeout-ms N, --max-timeout-ms N   clamp timeout_ms (default 1, 2147483647)
  --min-ping-interval-ms N           raise a smaller ping_interval_ms (default 1)

Abuse limits (off by default but the message rate):
  --max-message-rate N               messages/s per connection (token bucket; default
                                     10000, 0 = no limit); excess is dropped unread,
                                     error 33 once per 50 ms strike of drops
  --max-message-burst N              bucket size (default: the rate; 1000 with the default rate)
  --rate-strikes N                   strikes (50 ms intervals with drops, no drop-free
                                     second between) before close 4011 (default 3: ~100 ms)
  --max-connections-per-ip N         more /ws upgrades from one address: HTTP 429
  --flap-max-registrations N         registrations of one id per --flap-window-ms
                                     (default 10000) before it is refused for
                                     --flap-penalty-ms (default 30000) with error 32
  --max-lifetime-ms N                close connections after N ms (+-10% jitter)
                                     with 4012, so a fleet rebalances gradually
  -h, --help                         this text

Close codes: 4000 keepalive timeout (the connection's only client was silent
for more than timeout_ms), 4001 client moved to another connection (its
last client_id was registered elsewhere), 4002 too many clients on this
connection, 4003 send buffer full, 4004 no client registered, 4005 cluster
lease lost (with --redis: this gateway was fenced after its lease lapsed;
reconnect), 4006 kicked by an admin (from the dashboard), 4010 token
expired, 4011 message rate exceeded, 4012 connection lifetime reached, 4040
gateway output bound reached (--max-output-bytes: the largest backlog), 1001
server shutting down; a frame over --max-payload-bytes or invalid UTF-8 is dropped
by uWS at once (1006).
Messages the gateway sends unasked: {"type": "ka_ping", "client_id": ...,
"seq": N} (answer {"type": "ka_pong", "client_id": ..., "seq": N}: the round
trip is timed, GET /status rtt_ms), {"type": "ka_expired", "client_id": ...}
(a client of a connection with several), {"type": "ka_moved", "client_id":
...} (registered elsewhere).
`;
