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
  // Registers go out in rounds of REGISTER_ROUND per socket, each round acknowledged before
  // the next: 100,000 clients arrive over seconds, not in one instant that starves the gateways.
  const REGISTER_ROUND = 250;
  let msgId = 1;
  // A socket the gateway closes while registering ends the child: its parent reports the failed run.
  let registering = true;
  for (const { ws } of sockets) ws.on('close', (code) => registering && fail(`socket closed with ${code} while registering`));
  for (let from = 0; from < per; from += REGISTER_ROUND) {
    const id = msgId++;
    await Promise.all(
      sockets.map(
        ({ ws, ids }) =>
          new Promise<void>((resolve) => {
            const onMessage = (data: Buffer): void => {
              if (!data.includes(`"in_reply_to": ${id}`)) return;
              ws.off('message', onMessage);
              resolve();
            };
            ws.on('message', onMessage);
            for (const clientId of ids.slice(from, from + REGISTER_ROUND)) {
              ws.send(`{"type": "ka_register", "client_id": "${clientId}", "timeout_ms": ${timeoutRaw}, "ping_interval_ms": ${Math.floor(Number(timeoutRaw) / 2)}}`);
            }
            ws.send(`{"type": "ka_check", "msg_id": ${id}}`);
          }),
      ),
    );
  }
  registering = false;
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

function fail(message: string): void {
  process.stderr.write(`heartbeat-load: ${message}\n`);
  process.exit(1);
}

main().catch((error: unknown) => {
  process.stderr.write(`heartbeat-load: ${(error as Error).message}\n`);
  process.exit(1);
});
