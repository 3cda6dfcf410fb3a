import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { connectRedis, createRedisClient } from '../redis-connection.js';
import type { FromRenewer, LeaseSetup, ToRenewer } from './lease-messages.js';
import { NodeLease } from './node-lease.js';

/**
 * The lease thread: its own Redis connection and a NodeLease, so renewals
 * keep their period while the main loop is busy. Every message from the
 * main thread (an 'alive' each renewal period) shows its loop is turning.
 * A failed connect throws: the thread exits, and the main thread reports
 * it (and restarts it, once the gateway has joined).
 */
async function main(port: MessagePort, setup: LeaseSetup): Promise<void> {
  const post = (message: FromRenewer): void => port.postMessage(message);
  let lastHeard = performance.now();
  let info = setup.info;
  const redis = createRedisClient(setup.redis, setup.connectionName);
  const lease = new NodeLease(
    redis, setup.incarnation, setup.leaseMs, setup.renewMs, setup.maxLoopSilenceMs,
    { info: () => info, silentMs: () => performance.now() - lastHeard },
    {
      renewed: (incarnation, rttMs) => post({ kind: 'renewed', incarnation, rttMs }),
      fenced: (incarnation) => post({ kind: 'fenced', incarnation }),
      failed: (message) => post({ kind: 'failed', message }),
      withheld: (silentMs) => post({ kind: 'withheld', silentMs }),
    },
  );
  port.on('message', (message: ToRenewer) => {
    lastHeard = performance.now();
    if (message.kind === 'alive') {
      info = message.info;
      // The loop is back after a silence: learn at once whether it was fenced meanwhile.
      if (lease.withheld) lease.renewSoon();
      return;
    }
    if (message.kind === 'fail') {
      // Out of the message handler, so the throw is uncaught: the thread exits with an error.
      setImmediate(() => {
        throw new Error('test hook: the lease thread failed');
      });
      return;
    }
    lease.incarnation = message.incarnation;
    lease.renewSoon();
  });
  await connectRedis(redis, setup.connectTimeoutMs);
  lease.start();
}

if (parentPort === null) throw new Error('lease-renewer.ts runs in a worker thread (lease-thread.ts starts it)');
void main(parentPort, workerData as LeaseSetup).catch((error: unknown) => {
  // Out of the promise chain, so the thread fails with it ('error' on the main side).
  setImmediate(() => {
    throw error;
  });
});
