/**
 * Why the gateway closes a connection, with the WebSocket close code and
 * reason the peer receives. 4000-4999 are the application's range.
 */
export const CloseReason = {
  /** The connection's only client was silent for more than its timeout. */
  KeepaliveTimeout: { code: 4000, text: 'keepalive timeout', metric: 'keepalive_timeout' },
  /** Its last client_id was registered from another connection. */
  ClientMoved: { code: 4001, text: 'client moved to another connection', metric: 'client_moved' },
  /** A register beyond --max-clients-per-connection. */
  TooManyClients: { code: 4002, text: 'too many clients on this connection', metric: 'too_many_clients' },
  /** More than --max-send-buffer-bytes queued for a peer that does not read. */
  SendBufferFull: { code: 4003, text: 'send buffer full', metric: 'send_buffer_full' },
  /** Registered no client within --register-timeout-ms of opening. */
  NoClientRegistered: { code: 4004, text: 'no client registered', metric: 'no_client_registered' },
  /** Cluster mode: this gateway's lease lapsed and the cluster fenced it; its clients reconnect (here or elsewhere). */
  ClusterLeaseLost: { code: 4005, text: 'cluster lease lost', metric: 'cluster_lease_lost' },
  /** An admin kicked one of its clients from the dashboard. */
  KickedByAdmin: { code: 4006, text: 'kicked by an admin', metric: 'kicked_by_admin' },
  /** --auth jwt: the connection's token reached its `exp`. */
  TokenExpired: { code: 4010, text: 'token expired', metric: 'token_expired' },
  /** Kept sending faster than --max-message-rate for --rate-strikes strikes. */
  MessageRateExceeded: { code: 4011, text: 'message rate exceeded', metric: 'message_rate_exceeded' },
  /** Open for --max-lifetime-ms (minus its jitter): reconnect, possibly elsewhere. */
  MaxLifetime: { code: 4012, text: 'connection lifetime reached, reconnect', metric: 'max_lifetime' },
  /** Output queued for all peers passed --max-output-bytes, and this peer held the largest backlog. */
  OutputBound: { code: 4040, text: 'gateway output bound reached', metric: 'output_bound' },
  /** Its I/O thread (--threads N) hit an unexpected error and is being replaced; reconnect. */
  ThreadFailed: { code: 4020, text: 'I/O thread failed', metric: 'thread_failed' },
  /** SIGTERM/SIGINT. */
  Shutdown: { code: 1001, text: 'server shutting down', metric: 'shutdown' },
} as const;

export type CloseReason = (typeof CloseReason)[keyof typeof CloseReason];

/**
 * Closes the gateway did not decide, named from what uWS reports. uWS
 * drops a peer that sends a frame over maxPayloadLength, or invalid UTF-8,
 * at once (no close frame: the peer sees 1006) and says why in the message,
 * always with code 1006. A peer's own close frame carries its own code
 * (1006 is reserved: never sent on the wire) and any reason text it likes,
 * so the text names uWS's drop only beside 1006.
 */
export function peerCloseMetric(code: number, message: string): string {
  if (code !== 1006) return 'client_closed';
  if (message === 'Received too big message') return 'oversized_frame';
  if (message === 'Received invalid UTF-8') return 'invalid_utf8';
  return 'connection_lost';
}
