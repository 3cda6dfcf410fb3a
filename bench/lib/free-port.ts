import net from 'node:net';

/**
 * A loopback port the kernel says is free now (bound to port 0, then
 * released for the caller's server to take), so concurrent bench runs on
 * one machine never collide on fixed ports.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}
