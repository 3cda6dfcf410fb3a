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
  /** SIGTERM/SIGINT. */
  Shutdown: { code: 1001, text: 'server shutting down', metric: 'shutdown' },
} as const;

export type CloseReason = (typeof CloseReason)[keyof typeof CloseReason];

/** Closes the gateway did not decide: named by the code uWS or the peer gave. */
export function peerCloseMetric(code: number): string {
  if (code === 1009) return 'oversized_frame';
  if (code === 1006) return 'connection_lost';
  return 'client_closed';
}
