import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  api,
  login,
  newVisitorConversation,
  PNG_BYTES,
  startServer,
  type TestServer,
  TestSocket,
  upload,
  widgetKeyOf,
} from './harness.ts';

/** Uploads (`POST /api/v1/uploads`, `GET /api/v1/uploads/:id/:name`) and messages that carry them. */

let srv: TestServer;
const sockets: TestSocket[] = [];
const connect = async (token: string) => {
  const socket = await TestSocket.connect(srv.wsUrl, token);
  sockets.push(socket);
  return socket;
};

beforeEach(async () => {
  srv = await startServer();
});
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => s.close()));
  await srv.close();
});

const png = { name: 'pixel.png', type: 'image/png', bytes: PNG_BYTES };
const pdf = { name: 'invoice.pdf', type: 'application/pdf', bytes: '%PDF-1.4\n% a tiny pdf\n' };

function expectError(res: { status: number; body: any }, status: number, code: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toEqual({ error: { code, message: expect.any(String), requestId: expect.any(String) } });
}

async function setup() {
  const admin = await login(srv.url);
  const widgetKey = await widgetKeyOf(srv.url, admin.token);
  const visitor = await newVisitorConversation(srv.url, widgetKey);
  return { admin, widgetKey, visitor, conversationId: visitor.conversation.id as string };
}

/** Files stored for the workspace (names on disk). */
const filesOf = async (workspaceId: string) =>
  readdir(join(srv.server.files.dir, workspaceId)).catch(() => [] as string[]);

describe('uploads', () => {
  it('stores a file and serves it by its unguessable url: type, disposition, nosniff, CSP', async () => {
    const { admin, visitor } = await setup();
    const uploaded = await upload(srv.url, visitor.token, png);
    expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(201);
    const { attachment } = uploaded.body;
    expect(attachment).toEqual({
      id: expect.stringMatching(/^att_[\w-]{24}$/),
      name: 'pixel.png',
      contentType: 'image/png',
      size: PNG_BYTES.length,
      url: `/api/v1/uploads/${attachment.id}/pixel.png`,
    });
    expect(await filesOf(admin.agent.workspaceId)).toEqual([attachment.id]);
    const onDisk = await readFile(join(srv.server.files.dir, admin.agent.workspaceId, attachment.id));
    expect(onDisk.equals(PNG_BYTES)).toBe(true);

    // No token needed: the url is the capability.
    const served = await fetch(srv.url + attachment.url);
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer()).equals(PNG_BYTES)).toBe(true);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(served.headers.get('content-disposition')).toBe(
      `inline; filename="pixel.png"; filename*=UTF-8''pixel.png`,
    );
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    expect(served.headers.get('content-security-policy')).toMatch(/default-src 'none'.*sandbox/);

    // Another file, by an agent: not an image, so a download.
    const byAgent = await upload(srv.url, admin.token, pdf);
    expect(byAgent.status).toBe(201);
    const download = await fetch(srv.url + byAgent.body.attachment.url);
    expect(download.headers.get('content-type')).toBe('application/pdf');
    expect(download.headers.get('content-disposition')).toMatch(/^attachment; filename="invoice.pdf"/);
    expect(await download.text()).toBe(pdf.bytes);

    // Two uploads of the same file are two ids.
    const again = await upload(srv.url, visitor.token, png);
    expect(again.body.attachment.id).not.toBe(attachment.id);

    // The url must be exact.
    expect((await fetch(`${srv.url}/api/v1/uploads/${attachment.id}/other.png`)).status).toBe(404);
    expectError(await api(srv.url, 'GET', '/api/v1/uploads/att_unknown/pixel.png'), 404, 'NOT_FOUND');
  });

  it('keeps unicode names, drops paths, guesses the type of a generic upload', async () => {
    const { visitor } = await setup();
    const text = await upload(srv.url, visitor.token, {
      name: '../../etc/报告 final.txt',
      type: 'text/plain',
      bytes: '你好',
    });
    expect(text.status, JSON.stringify(text.body)).toBe(201);
    expect(text.body.attachment).toMatchObject({
      name: '报告 final.txt',
      contentType: 'text/plain',
      size: 6,
    });
    const served = await fetch(srv.url + text.body.attachment.url);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(served.headers.get('content-disposition')).toBe(
      `attachment; filename="__ final.txt"; filename*=UTF-8''%E6%8A%A5%E5%91%8A%20final.txt`,
    );
    expect(await served.text()).toBe('你好');

    const docx = await upload(srv.url, visitor.token, {
      name: 'Offer.DOCX',
      type: 'application/octet-stream',
      bytes: 'PK\u0003\u0004 not really a document',
    });
    expect(docx.status).toBe(201);
    expect(docx.body.attachment.contentType).toBe(
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    );
  });

  it('refuses bad uploads and keeps nothing of them', async () => {
    const { admin, visitor } = await setup();
    const token = visitor.token;
    expectError(await upload(srv.url, null, png), 401, 'UNAUTHORIZED');
    expectError(await upload(srv.url, 'not-a-token', png), 401, 'UNAUTHORIZED');
    for (const [name, type] of [
      ['page.html', 'text/html'],
      ['logo.svg', 'image/svg+xml'],
      ['setup.exe', 'application/x-msdownload'],
      ['script.js', 'application/octet-stream'],
      ['noextension', 'application/octet-stream'],
    ] as const) {
      expectError(await upload(srv.url, token, { name, type, bytes: 'x' }), 400, 'BAD_REQUEST');
    }
    // Images and PDFs must be what they say.
    expectError(
      await upload(srv.url, token, {
        name: 'fake.png',
        type: 'image/png',
        bytes: '<script>alert(1)</script>',
      }),
      400,
      'BAD_REQUEST',
    );
    expectError(
      await upload(srv.url, token, { name: 'fake.pdf', type: 'application/pdf', bytes: 'MZ' }),
      400,
      'BAD_REQUEST',
    );
    expectError(await upload(srv.url, token, { ...pdf, bytes: '' }), 400, 'BAD_REQUEST');
    expectError(await upload(srv.url, token, png, 'image'), 400, 'BAD_REQUEST');
    expectError(
      await api(srv.url, 'POST', '/api/v1/uploads', { token, body: { file: 'x' } }),
      400,
      'BAD_REQUEST',
    );
    const emptyForm = await fetch(`${srv.url}/api/v1/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: new FormData(),
    });
    expect(emptyForm.status).toBe(400);

    // 10 MiB is the limit: one byte more is 413.
    const big = Buffer.alloc(10 * 1024 * 1024 + 1, 0x61);
    expectError(
      await upload(srv.url, token, { name: 'big.txt', type: 'text/plain', bytes: big }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
    const limit = await upload(srv.url, token, {
      name: 'limit.txt',
      type: 'text/plain',
      bytes: big.subarray(1),
    });
    expect(limit.status).toBe(201);
    expect(limit.body.attachment.size).toBe(10 * 1024 * 1024);

    // Only the one accepted file is on disk: no partial files.
    expect(await filesOf(admin.agent.workspaceId)).toEqual([limit.body.attachment.id]);
  });
});

describe('attachments on messages', () => {
  it('a visitor sends an image without text; agents get it live and over REST; agents attach files too', async () => {
    const { admin, visitor, conversationId } = await setup();
    const agentWs = await connect(admin.token);
    agentWs.send({ type: 'subscribe', conversationId });
    await agentWs.next((f) => f.type === 'subscribed');

    const { attachment } = (await upload(srv.url, visitor.token, png)).body;
    const visitorWs = await connect(visitor.token);
    visitorWs.send({
      type: 'message.send',
      conversationId,
      text: '',
      clientMessageId: 'img-1',
      attachments: [attachment.id],
    });
    const ack = await visitorWs.next((f) => f.type === 'message.ack' && f.clientMessageId === 'img-1');
    expect(ack.message).toMatchObject({ seq: 1, text: '', attachments: [attachment] });
    const live = await agentWs.next((f) => f.type === 'message.created' && f.message.seq === 1);
    expect(live.message.attachments).toEqual([attachment]);

    const doc = (await upload(srv.url, admin.token, pdf)).body.attachment;
    const fromAgent = await api(srv.url, 'POST', `/api/v1/conversations/${conversationId}/messages`, {
      token: admin.token,
      body: { text: 'Your invoice', clientMessageId: 'inv', attachments: [doc.id] },
    });
    expect(fromAgent.status).toBe(201);
    expect(fromAgent.body.message).toMatchObject({ text: 'Your invoice', attachments: [doc] });
    // The resend is the stored message.
    const resent = await api(srv.url, 'POST', `/api/v1/conversations/${conversationId}/messages`, {
      token: admin.token,
      body: { text: 'Your invoice', clientMessageId: 'inv', attachments: [doc.id] },
    });
    expect(resent.status).toBe(200);
    expect(resent.body.message).toEqual(fromAgent.body.message);

    const listed = await api(srv.url, 'GET', `/api/v1/conversations/${conversationId}/messages`, {
      token: visitor.token,
    });
    const withFiles = listed.body.messages.filter((m: any) => m.attachments);
    expect(withFiles.map((m: any) => m.attachments[0].id)).toEqual([attachment.id, doc.id]);
    // A message without files has no attachments key.
    const plain = await api(srv.url, 'POST', `/api/v1/conversations/${conversationId}/messages`, {
      token: visitor.token,
      body: { text: 'thanks' },
    });
    expect(plain.body.message).not.toHaveProperty('attachments');
  });

  it("refuses another principal's or workspace's upload (404), too many (400), no text and no file (400)", async () => {
    const { admin, widgetKey, visitor, conversationId } = await setup();
    const other = await newVisitorConversation(srv.url, widgetKey);
    const signup = await api(srv.url, 'POST', '/api/v1/signup', {
      body: { workspaceName: 'Beta', name: 'Bea', email: 'bea@beta.test', password: 'bea-password' },
    });
    const adminB = signup.body.token as string;
    const visitorB = await newVisitorConversation(srv.url, signup.body.workspace.widgetKey);

    const mine = (await upload(srv.url, visitor.token, png)).body.attachment;
    const send = (token: string, id: string, body: object) =>
      api(srv.url, 'POST', `/api/v1/conversations/${id}/messages`, { token, body });

    // Workspace B's agent and visitor cannot attach A's upload, even in their own conversation.
    expectError(
      await send(adminB, visitorB.conversation.id, { text: 'x', attachments: [mine.id] }),
      404,
      'NOT_FOUND',
    );
    expectError(
      await send(visitorB.token, visitorB.conversation.id, { text: 'x', attachments: [mine.id] }),
      404,
      'NOT_FOUND',
    );
    // Within the workspace: only the uploader may attach it.
    expectError(
      await send(other.token, other.conversation.id, { text: 'x', attachments: [mine.id] }),
      404,
      'NOT_FOUND',
    );
    expectError(
      await send(admin.token, conversationId, { text: 'x', attachments: [mine.id] }),
      404,
      'NOT_FOUND',
    );
    expectError(
      await send(visitor.token, conversationId, { text: 'x', attachments: ['att_unknown'] }),
      404,
      'NOT_FOUND',
    );
    // Rules of the list and of the text.
    const eleven = Array.from({ length: 11 }, () => mine.id);
    expectError(
      await send(visitor.token, conversationId, { text: 'x', attachments: eleven }),
      400,
      'BAD_REQUEST',
    );
    expectError(
      await send(visitor.token, conversationId, { text: 'x', attachments: [mine.id, mine.id] }),
      400,
      'BAD_REQUEST',
    );
    expectError(
      await send(visitor.token, conversationId, { text: ' ', attachments: [] }),
      400,
      'BAD_REQUEST',
    );
    expectError(
      await send(visitor.token, conversationId, { text: 'x', attachments: 'att' }),
      400,
      'BAD_REQUEST',
    );
    expectError(
      await send(visitor.token, conversationId, { text: 'x', attachments: [42] }),
      400,
      'BAD_REQUEST',
    );

    // Over the WebSocket: an error frame naming the message; nothing stored anywhere.
    const visitorWs = await connect(other.token);
    visitorWs.send({
      type: 'message.send',
      conversationId: other.conversation.id,
      text: 'look',
      clientMessageId: 'steal',
      attachments: [mine.id],
    });
    const error = await visitorWs.next((f) => f.type === 'error');
    expect(error).toMatchObject({ code: 'NOT_FOUND', ref: 'steal' });
    visitorWs.send({
      type: 'message.send',
      conversationId: other.conversation.id,
      text: 'x',
      clientMessageId: 'many',
      attachments: Array.from({ length: 11 }, (_, i) => `att_${i}`),
    });
    expect(await visitorWs.next((f) => f.type === 'error' && f.ref === 'many')).toMatchObject({
      code: 'BAD_REQUEST',
    });
    for (const [token, id] of [
      [admin.token, conversationId],
      [admin.token, other.conversation.id],
      [adminB, visitorB.conversation.id],
    ] as const) {
      const { body } = await api(srv.url, 'GET', `/api/v1/conversations/${id}`, { token });
      expect(body.conversation.lastSeq).toBe(0);
    }
  });
});
