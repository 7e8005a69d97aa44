import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { CLOSE_CODES, type Message } from '@unique-support/protocol';
import type { Logger } from 'pino';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import type { AccountService } from '../auth/account-service.ts';
import type { Bus } from '../bus/bus.ts';
import { Session, type SessionDeps } from '../core/session.ts';
import type { Metrics } from '../observability/metrics.ts';

/** Hard limit of one frame; larger frames close the socket with 1009 (done by `ws`). */
export const MAX_FRAME_BYTES = 1024 * 1024;

export interface WebSocketDeps extends SessionDeps {
  accounts: AccountService;
  log: Logger;
  metrics: Metrics;
  /** Bytes a socket may have waiting before it is closed with 1013. */
  maxBufferedBytes: number;
}

interface Client {
  alive: boolean;
  session: Session | null;
  /** `us_messages_received_total{channel="ws"}` of this principal type, bound once. */
  received: { inc(): void } | null;
}

/** How a `message.ack` frame starts as the session serialises it (`type` is always the first key). */
const ACK_PREFIX = '{"type":"message.ack"';

/**
 * Binds `ws` to the HTTP server at `GET /ws?token=...`: authentication, heartbeats,
 * bounded outbound queues. Everything else happens in the socket-free Session.
 */
export function attachWebSocketServer(server: Server, deps: WebSocketDeps) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false });
  const clients = new Map<WebSocket, Client>();
  let accepting = true;
  const { metrics } = deps;
  const receivedWs = {
    agent: metrics.messagesReceived.labels('ws', 'agent'),
    visitor: metrics.messagesReceived.labels('ws', 'visitor'),
  };
  /**
   * The message of the live `message.created` event the bus is handing to a session right now,
   * else null. A session writes a live event to its socket synchronously inside its bus handler
   * (or holds it while catching up, or skips it), so the socket write that happens while this is
   * set is that message's delivery: `us_message_delivery_seconds` measures live deliveries only,
   * never replays from the store (`subscribe`, gap fills, resync). Held events are not measured.
   */
  let delivering: Message | null = null;
  const sessionDeps: SessionDeps = { ...deps, bus: measuredBus(deps.bus) };
  metrics.setAgentsOnlineSource(() => deps.presence.onlineHere?.() ?? 0);

  function measuredBus(bus: Bus): Bus {
    return {
      publish: (topic, event) => bus.publish(topic, event),
      subscribe: (topic, handler) =>
        bus.subscribe(topic, (event) => {
          const outer = delivering;
          delivering = event.type === 'message.created' ? event.message : null;
          try {
            handler(event);
          } finally {
            delivering = outer;
          }
        }),
      close: () => bus.close(),
      ...(bus.onReconnect && { onReconnect: bus.onReconnect.bind(bus) }),
    };
  }

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== '/ws' || !accepting) {
      socket.end(
        `HTTP/1.1 ${accepting ? '404 Not Found' : '503 Service Unavailable'}\r\nConnection: close\r\n\r\n`,
      );
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => onConnection(ws, url.searchParams.get('token')));
  });

  function onConnection(ws: WebSocket, token: string | null): void {
    const client: Client = { alive: true, session: null, received: null };
    clients.set(ws, client);
    const early: string[] = [];

    ws.on('pong', () => {
      client.alive = true;
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      client.alive = true;
      metrics.wsFramesReceived.inc();
      const text = isBinary ? null : data.toString();
      if (text === null) {
        ws.send(
          JSON.stringify({
            type: 'error',
            code: 'BAD_REQUEST',
            message: 'frames must be JSON text',
            ref: null,
          }),
        );
        metrics.wsFramesSent.inc();
        return;
      }
      if (client.session) client.session.receive(text);
      else if (early.length < 100) early.push(text);
    });
    ws.on('error', (err) => deps.log.debug({ err }, 'websocket error'));
    ws.on('close', () => {
      clients.delete(ws);
      if (client.session) {
        client.session.end();
        metrics.wsConnections.labels(client.session.principal.type).dec();
      }
    });

    deps.accounts.authenticate(token).then(
      (principal) => {
        if (ws.readyState !== WebSocket.OPEN) return;
        const session = new Session(principal, connectionOf(ws, client), sessionDeps);
        client.session = session;
        client.received = receivedWs[principal.type];
        metrics.wsConnections.labels(principal.type).inc();
        session.start();
        for (const text of early.splice(0)) session.receive(text);
      },
      () => ws.close(CLOSE_CODES.UNAUTHORIZED, 'unauthorized'),
    );
  }

  /**
   * Sockets written to in this turn of the event loop are corked, so a turn's frames to one
   * socket leave in one `writev` instead of one each (a visitor's message is an ack and a
   * `message.created` to its sender and one to its agent). All are uncorked once the turn is done,
   * and a socket early once it holds `flushBytes`: after that flush, what stays buffered is what
   * the client has not read, which the slow-client check needs to see.
   */
  const corked = new Set<Duplex>();
  const flushBytes = Math.min(16 * 1024, deps.maxBufferedBytes / 4);
  let uncorkScheduled = false;
  const uncorkAll = () => {
    uncorkScheduled = false;
    for (const socket of corked) socket.uncork();
    corked.clear();
  };

  function connectionOf(ws: WebSocket, client: Client) {
    const socket = (ws as unknown as { _socket: Duplex })._socket;
    return {
      send(data: string) {
        if (ws.readyState !== WebSocket.OPEN) return;
        if (corked.has(socket) && socket.writableLength > flushBytes) {
          corked.delete(socket);
          socket.uncork();
        }
        if (ws.bufferedAmount > deps.maxBufferedBytes) {
          // The client does not read fast enough: stop queueing, let it reconnect and resume by lastSeq.
          metrics.wsSlowClientsClosed.inc();
          client.session?.end();
          ws.close(CLOSE_CODES.TRY_AGAIN_LATER, 'too slow, reconnect');
          return;
        }
        if (!corked.has(socket)) {
          socket.cork();
          corked.add(socket);
          if (!uncorkScheduled) {
            uncorkScheduled = true;
            setImmediate(uncorkAll);
          }
        }
        ws.send(data);
        metrics.wsFramesSent.inc();
        if (delivering !== null) {
          metrics.observeDelivery(delivering);
          delivering = null;
        } else if (data.startsWith(ACK_PREFIX)) {
          // An ack: a message.send frame of this client stored its message (or found it stored).
          client.received?.inc();
        }
      },
      close: (code: number, reason: string) => ws.close(code, reason),
    };
  }

  const heartbeat = setInterval(() => {
    for (const [ws, client] of clients) {
      if (!client.alive) {
        ws.terminate();
        continue;
      }
      client.alive = false;
      ws.ping();
    }
  }, deps.heartbeatMs);
  heartbeat.unref();
  // Events lost while the bus was away: every session catches up from the store.
  const stopResync = deps.bus.onReconnect?.(() => {
    for (const client of clients.values()) client.session?.resync();
  });

  return {
    get connections() {
      return clients.size;
    },
    /** Stops accepting, asks every client to reconnect elsewhere (1012) and waits until they are closed. */
    async close(timeoutMs = 3000): Promise<void> {
      accepting = false;
      clearInterval(heartbeat);
      stopResync?.();
      const closed = [...clients.keys()].map(
        (ws) =>
          new Promise<void>((resolve) => {
            if (ws.readyState === WebSocket.CLOSED) return resolve();
            ws.once('close', () => resolve());
            ws.close(CLOSE_CODES.SERVICE_RESTART, 'server restarting');
          }),
      );
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
      await Promise.race([Promise.all(closed), timeout]);
      for (const ws of clients.keys()) ws.terminate();
      wss.close();
    },
  };
}
