import WebSocket from 'ws';

/**
 * One load child of bench:cluster: `count` quiet clients on one gateway,
 * multiplexed over `connections` sockets (the file limit), each sending a
 * ka_heartbeat every `periodMs` (spread evenly), until its parent's
 * message 'heartbeat <ms>' changes the period or 'stop' (or the parent's
 * death) ends it. Prints "ready" once every register was acknowledged.
 * argv: url prefix count connections timeoutMs periodMs
 */
const [url, prefix, countRaw, connectionsRaw, timeoutRaw, periodRaw] = process.argv.slice(2);
const count = Number(countRaw);
const connections = Number(connectionsRaw);
let periodMs = Number(periodRaw);
const TICK_MS = 50;

async function main(): Promise<void> {
  const per = Math.ceil(count / connections);
  const sockets: { ws: WebSocket; ids: string[] }[] = [];
  for (let c = 0; c < connections; c++) {
    const ids = Array.from({ length: Math.min(per, count - c * per) }, (_, i) => `${prefix}-${c * per + i}`);
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    sockets.push({ ws, ids });
  }
  await Promise.all(
    sockets.map(
      ({ ws, ids }) =>
        new Promise<void>((resolve) => {
          ws.on('message', (data) => {
            if ((data as Buffer).includes('"in_reply_to": 1')) resolve();
          });
          for (const id of ids) ws.send(`{"type": "ka_register", "client_id": "${id}", "timeout_ms": ${timeoutRaw}, "ping_interval_ms": ${Math.floor(Number(timeoutRaw) / 2)}}`);
          ws.send('{"type": "ka_check", "msg_id": 1}');
        }),
    ),
  );
  process.stdout.write('ready\n');
  // Every TICK_MS, each socket sends the heartbeats of the slice of its ids due in that tick.
  let tick = 0;
  const timer = setInterval(() => {
    const ticksPerPeriod = Math.max(1, Math.round(periodMs / TICK_MS));
    const phase = tick++ % ticksPerPeriod;
    for (const { ws, ids } of sockets) {
      if (ws.readyState !== WebSocket.OPEN) continue;
      for (let i = phase; i < ids.length; i += ticksPerPeriod) ws.send(`{"type": "ka_heartbeat", "client_id": "${ids[i]}"}`);
    }
  }, TICK_MS);
  process.on('message', (message: string) => {
    if (message.startsWith('heartbeat ')) periodMs = Number(message.slice(10));
    if (message === 'stop') {
      clearInterval(timer);
      for (const { ws } of sockets) ws.terminate();
      process.exit(0);
    }
  });
  process.on('disconnect', () => process.exit(0));
}

main().catch((error: unknown) => {
  process.stderr.write(`heartbeat-load: ${(error as Error).message}\n`);
  process.exit(1);
});
