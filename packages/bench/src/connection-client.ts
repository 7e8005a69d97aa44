import WebSocket from 'ws';
import {
  type ClientStatus,
  emptyClientStatus,
  type FromClient,
  type ToClient,
} from './connection-messages.ts';

/**
 * One client process of the `connections` scenario (forked by connections-bench.ts with an IPC
 * channel): opens `count` WebSockets from its source addresses in turn, at most `inFlight`
 * handshakes at a time, each counted once the server's `hello` arrives; keeps them open and idle (ws answers the
 * server's pings); closes them on request.
 */

const send = (message: FromClient) => process.send!(message);

const sockets: WebSocket[] = [];
const status: ClientStatus = emptyClientStatus();
let rampStart = 0;
let closing = false;

function fail(reason: string): void {
  status.failed++;
  status.failures[reason] = (status.failures[reason] ?? 0) + 1;
  status.rampMs = performance.now() - rampStart;
}

/** Opens one socket; resolves when it got hello or failed. */
function openOne(url: string, localAddress: string): Promise<void> {
  return new Promise((resolve) => {
    status.attempted++;
    let hello = false;
    let settled = false;
    const settle = (reason: string | null) => {
      if (settled) return;
      settled = true;
      if (reason !== null) fail(reason);
      resolve();
    };
    const ws = new WebSocket(url, {
      perMessageDeflate: false,
      localAddress,
      handshakeTimeout: 30_000,
      skipUTF8Validation: true,
    });
    ws.on('message', (data: Buffer) => {
      if (hello) return;
      if (data.toString('latin1', 0, 15) === '{"type":"hello"') {
        hello = true;
        status.connected++;
        status.open++;
        const second = Math.floor((performance.now() - rampStart) / 1000);
        while (status.perSecond.length <= second) status.perSecond.push(0);
        status.perSecond[second]!++;
        status.rampMs = performance.now() - rampStart;
        sockets.push(ws);
        settle(null);
      }
    });
    ws.on('error', (err: NodeJS.ErrnoException) => {
      if (!hello) settle(err.code ?? err.message);
    });
    ws.on('close', (code) => {
      if (!hello) {
        settle(`closed ${code} before hello`);
        return;
      }
      status.open--;
      if (!closing) status.droppedAfterHello++;
    });
  });
}

async function ramp(
  urls: string[],
  count: number,
  localAddresses: string[],
  inFlight: number,
): Promise<void> {
  rampStart = performance.now();
  let next = 0;
  const progress = setInterval(() => send({ type: 'progress', ...status }), 500);
  await Promise.all(
    Array.from({ length: Math.min(inFlight, count) }, async () => {
      while (next < count) {
        const i = next++;
        await openOne(urls[i % urls.length]!, localAddresses[i % localAddresses.length]!);
      }
    }),
  );
  clearInterval(progress);
  send({ type: 'ramp-done', ...status });
}

async function closeAll(): Promise<void> {
  closing = true;
  const started = performance.now();
  const open = sockets.filter((ws) => ws.readyState === WebSocket.OPEN);
  await Promise.race([
    Promise.all(
      open.map(
        (ws) =>
          new Promise<void>((resolve) => {
            ws.once('close', () => resolve());
            ws.close(1000, 'bench done');
          }),
      ),
    ),
    new Promise((resolve) => setTimeout(resolve, 30_000)),
  ]);
  const stillOpen = sockets.filter((ws) => ws.readyState !== WebSocket.CLOSED).length;
  for (const ws of sockets) ws.terminate();
  send({ type: 'closed', ms: performance.now() - started, stillOpen });
}

process.on('message', (message: ToClient) => {
  if (message.type === 'connect') {
    void ramp(message.urls, message.count, message.localAddresses, message.inFlight);
  } else if (message.type === 'status') {
    send({ type: 'status', ...status });
  } else if (message.type === 'close') {
    void closeAll().then(() => setTimeout(() => process.exit(0), 100));
  }
});
send({ type: 'started' });
