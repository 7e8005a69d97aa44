import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';

/**
 * The ceilings of the `echo` scenario, run as a child process:
 *
 *   node --import tsx relay-server.ts echo  <port>
 *   node --import tsx relay-server.ts relay <port> <sqlite file>
 *
 * - `echo`: a raw `ws` server that sends every frame back on its socket.
 * - `relay`: the bare relay. `/ws?role=agent&id=A` and `/ws?role=visitor&conv=C&agent=A`;
 *   for each `message.send` of a visitor it stores the message in SQLite with group commit (one
 *   transaction per turn of the event loop; better-sqlite3, WAL, synchronous NORMAL, as the real
 *   server's default), acks the sender and forwards it to the paired agent's socket, in the real
 *   server's frames (`hello`, `subscribed`, `message.ack`, `message.created`). Nothing else: no
 *   authentication, no validation beyond JSON.parse, no rate limit, no metrics.
 *
 * Prints `listening` once it accepts connections.
 */
const [mode, portText, file] = process.argv.slice(2);
const port = Number(portText);
const wss = new WebSocketServer({
  port,
  host: '127.0.0.1',
  perMessageDeflate: false,
  maxPayload: 1024 * 1024,
});

if (mode === 'echo') {
  wss.on('connection', (ws) => {
    ws.on('message', (data: RawData, isBinary: boolean) => ws.send(data, { binary: isBinary }));
  });
} else if (mode === 'relay') {
  startRelay(file!);
} else {
  throw new Error(`unknown mode ${mode}`);
}
wss.on('listening', () => console.log('listening'));

function startRelay(path: string): void {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // The real schema's essentials: a random id, a gap-free seq per conversation, the text.
  db.exec(`
    CREATE TABLE IF NOT EXISTS messages (
      id TEXT PRIMARY KEY,
      conversation_id TEXT NOT NULL,
      seq INTEGER NOT NULL,
      author_id TEXT NOT NULL,
      text TEXT NOT NULL,
      client_message_id TEXT,
      created_at INTEGER NOT NULL
    );
    CREATE UNIQUE INDEX IF NOT EXISTS messages_seq ON messages (conversation_id, seq);
  `);
  const insert = db.prepare(
    'INSERT INTO messages (id, conversation_id, seq, author_id, text, client_message_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const agents = new Map<string, WebSocket>();
  const lastSeq = new Map<string, number>();

  interface Pending {
    from: WebSocket;
    agentId: string;
    conversationId: string;
    text: string;
    clientMessageId: string;
  }
  let queue: Pending[] = [];
  let scheduled = false;

  const writeBatch = db.transaction((batch: Pending[], now: number) => {
    const rows: { id: string; seq: number }[] = [];
    for (const p of batch) {
      const seq = (lastSeq.get(p.conversationId) ?? 0) + 1;
      lastSeq.set(p.conversationId, seq);
      const id = `msg_${now.toString(36)}${randomBytes(9).toString('base64url')}`;
      insert.run(id, p.conversationId, seq, p.agentId, p.text, p.clientMessageId, now);
      rows.push({ id, seq });
    }
    return rows;
  });

  const flush = () => {
    scheduled = false;
    const batch = queue;
    queue = [];
    const now = Date.now();
    const createdAt = new Date(now).toISOString();
    const rows = writeBatch.immediate(batch, now);
    for (const [i, p] of batch.entries()) {
      const message = JSON.stringify({
        id: rows[i]!.id,
        conversationId: p.conversationId,
        seq: rows[i]!.seq,
        author: { type: 'visitor', id: p.conversationId, name: null },
        text: p.text,
        clientMessageId: p.clientMessageId,
        createdAt,
      });
      p.from.send(
        `{"type":"message.ack","clientMessageId":${JSON.stringify(p.clientMessageId)},"message":${message}}`,
      );
      agents.get(p.agentId)?.send(`{"type":"message.created","message":${message}}`);
    }
  };

  wss.on('connection', (ws, request) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const role = url.searchParams.get('role');
    const id = url.searchParams.get('id') ?? url.searchParams.get('conv') ?? '';
    ws.send(JSON.stringify({ type: 'hello', protocolVersion: 1, principal: { type: role, id } }));
    if (role === 'agent') {
      agents.set(id, ws);
      ws.on('close', () => agents.delete(id));
    }
    const agentId = url.searchParams.get('agent') ?? '';
    ws.on('message', (data: RawData) => {
      let frame: { type?: string; conversationId?: string; text?: string; clientMessageId?: string };
      try {
        frame = JSON.parse(data.toString());
      } catch {
        ws.send('{"type":"error","code":"BAD_REQUEST","message":"frame is not valid JSON","ref":null}');
        return;
      }
      if (frame.type === 'subscribe') {
        ws.send(JSON.stringify({ type: 'subscribed', conversationId: frame.conversationId, lastSeq: 0 }));
      } else if (frame.type === 'message.send' && role === 'visitor') {
        queue.push({
          from: ws,
          agentId,
          conversationId: id,
          text: String(frame.text),
          clientMessageId: String(frame.clientMessageId),
        });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      }
    });
  });
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));
