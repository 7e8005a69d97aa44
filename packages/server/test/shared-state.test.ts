import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helpCenterArticles } from '../src/bot/retrieval/fixtures/help-center.ts';
import { ask, botTestBed, chatRequests, systemMessageOf } from './bot-helpers.ts';
import {
  api,
  eventually,
  login,
  newVisitorConversation,
  startServer,
  type TestServer,
  widgetKeyOf,
} from './harness.ts';
import { createSchema, postgresAvailable, REDIS_URL, type TestSchema } from './pg-schema.ts';

/**
 * What nodes share besides messages: the knowledge base's index, the answer cache and the rate
 * limits. Each pair of nodes runs on one PostgreSQL schema and one Redis. In CI (CI=true)
 * PostgreSQL and Redis must be there: a missing service fails.
 */
const available = await postgresAvailable();
const schemas: TestSchema[] = [];
afterAll(async () => {
  for (const schema of schemas) await schema.drop();
});

const shipping = helpCenterArticles.find((a) => a.key === 'shipping-times')!;
const SHIPPING_QUESTION = 'How long does shipping take?';

describe.runIf(available)('the bot on two nodes', () => {
  const bed = botTestBed();

  it("answers on node B from node A's cached answer, and both follow a knowledge-base edit made on B", async () => {
    const schema = await createSchema('shared_bot');
    schemas.push(schema);
    const stub = await bed.stub({ tokenDelayMs: 1, chunkSize: 8 });
    const env = { DATABASE_URL: schema.url, REDIS_URL, OPENAI_KEY: 'stub', OPENAI_BASE_URL: stub.url };
    const a = await bed.world(env); // seeds the help center once
    const b = await bed.world(env, { seed: false });

    const first = await ask(await bed.visitor(a.srv, a.widgetKey), SHIPPING_QUESTION);
    expect(first.answer.text).toBe(`According to "${shipping.title}": ${shipping.body.split('. ')[0]}.`);
    expect(chatRequests(stub)).toHaveLength(1);

    // Another visitor on the other node: the same answer, without the model.
    const second = await ask(await bed.visitor(b.srv, b.widgetKey), SHIPPING_QUESTION);
    expect(second.answer.text).toBe(first.answer.text);
    expect(chatRequests(stub)).toHaveLength(1);

    // An admin edits the article on node B: node A's index and cached answers follow.
    const article = a.articles.get('shipping-times')!;
    const newTitle = 'Shipping times, costs and delays';
    const edited = await api(b.srv.url, 'PATCH', `/api/v1/kb/articles/${article.id}`, {
      token: b.admin.token,
      body: { title: newTitle },
    });
    expect(edited.status).toBe(200);
    const search = async () =>
      (
        await api(a.srv.url, 'GET', `/api/v1/kb/search?q=${encodeURIComponent('shipping')}`, {
          token: a.admin.token,
        })
      ).body;
    await eventually(async () => JSON.stringify(await search()).includes(newTitle));
    const third = await ask(await bed.visitor(a.srv, a.widgetKey), SHIPPING_QUESTION);
    expect(chatRequests(stub)).toHaveLength(2);
    expect(systemMessageOf(chatRequests(stub)[1]!)).toContain(newTitle);
    expect(third.answer.text).toMatch(new RegExp(`^According to "${newTitle}": `));
  });
});

describe.runIf(available)('rate limits on two nodes', () => {
  const nodes: TestServer[] = [];
  let visitor: Awaited<ReturnType<typeof newVisitorConversation>>;
  beforeAll(async () => {
    const schema = await createSchema('shared_limits');
    schemas.push(schema);
    const env = {
      DATABASE_URL: schema.url,
      REDIS_URL,
      LOGIN_RATE_LIMIT: '4',
      VISITOR_MESSAGE_RATE: '3/60s',
      // Apart from the other nodes of this file, which log in from the same address.
      REDIS_PREFIX: `limits${Date.now()}:`,
    };
    nodes.push(await startServer(env));
    nodes.push(await startServer(env));
    const admin = await login(nodes[0]!.url); // the first login of the minute
    visitor = await newVisitorConversation(nodes[0]!.url, await widgetKeyOf(nodes[0]!.url, admin.token));
  });
  afterAll(async () => {
    for (const node of nodes) await node.close();
  });

  it('count logins from one address on every node together', async () => {
    const [a, b] = nodes as [TestServer, TestServer];
    const attempt = (node: TestServer) =>
      api(node.url, 'POST', '/api/v1/auth/login', {
        body: { email: 'nobody@test.local', password: 'wrong' },
      });
    expect((await attempt(b)).status).toBe(401);
    expect((await attempt(a)).status).toBe(401);
    expect((await attempt(b)).status).toBe(401);
    // Four in the minute (the admin's on node A, then these): the fifth is refused on either.
    const refused = await attempt(a);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('RATE_LIMITED');
    expect((await attempt(b)).status).toBe(429);
  });

  it("count a visitor's messages on every node together", async () => {
    const [a, b] = nodes as [TestServer, TestServer];
    const path = `/api/v1/conversations/${visitor.conversation.id}/messages`;
    const send = (node: TestServer, text: string) =>
      api(node.url, 'POST', path, { token: visitor.token, body: { text, clientMessageId: text } });
    expect((await send(a, 'one')).status).toBe(201);
    expect((await send(b, 'two')).status).toBe(201);
    expect((await send(a, 'three')).status).toBe(201);
    const refused = await send(b, 'four');
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('RATE_LIMITED');
    const stored = await api(a.url, 'GET', `${path}?afterSeq=0`, { token: visitor.token });
    const fromVisitor = stored.body.messages.filter(
      (m: { author: { type: string } }) => m.author.type === 'visitor',
    );
    expect(fromVisitor.map((m: { text: string }) => m.text)).toEqual(['one', 'two', 'three']);
  });
});
