import type { Article } from '@unique-support/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { helpCenterArticles } from '../src/bot/retrieval/fixtures/help-center.ts';
import { api, login, newVisitorConversation, startServer, type TestServer, widgetKeyOf } from './harness.ts';

/**
 * The knowledge base over REST: admins write, agents read and search, visitors nothing;
 * another workspace's article is a 404 and never appears in a list or a search; every
 * write is visible to the next search.
 */

let srv: TestServer;
let admin: string;
let workspaceId: string;

beforeEach(async () => {
  srv = await startServer();
  const session = await login(srv.url);
  admin = session.token;
  workspaceId = session.agent.workspaceId;
});
afterEach(async () => {
  await srv.close();
});

const returnsArticle = {
  title: 'Returning an item',
  body: 'You can return most items within 30 days of delivery. Print the prepaid return label from My Account.',
  tags: ['returns'],
};

async function createArticle(body: unknown = returnsArticle, token = admin) {
  const res = await api(srv.url, 'POST', '/api/v1/kb/articles', { token, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.article as Article;
}

const search = (q: string, token = admin, limit?: number) =>
  api(
    srv.url,
    'GET',
    `/api/v1/kb/search?q=${encodeURIComponent(q)}${limit === undefined ? '' : `&limit=${limit}`}`,
    { token },
  );

function expectError(res: { status: number; body: any }, status: number, code: string, what = '') {
  expect(res.status, `${what} ${JSON.stringify(res.body)}`).toBe(status);
  expect(res.body).toEqual({ error: { code, message: expect.any(String), requestId: expect.any(String) } });
}

async function newAgent(role: 'agent' | 'admin' = 'agent') {
  const email = `${role}-${Math.random().toString(36).slice(2)}@test.local`;
  const created = await api(srv.url, 'POST', '/api/v1/agents', {
    token: admin,
    body: { name: 'Pat', email, password: 'agent-password', role },
  });
  expect(created.status).toBe(201);
  return (await login(srv.url, email, 'agent-password')).token;
}

describe('knowledge base CRUD', () => {
  it('creates, reads, lists, updates and deletes an article', async () => {
    const created = await createArticle({
      title: '  Returning an item ',
      body: '\nReturns are free within 30 days.\n',
      tags: [' returns ', '退货', 'returns'],
    });
    expect(created).toEqual({
      id: expect.any(String),
      workspaceId,
      title: 'Returning an item',
      body: 'Returns are free within 30 days.',
      tags: ['returns', '退货'],
      createdAt: expect.any(String),
      updatedAt: created.createdAt,
    });
    const untagged = await createArticle({ title: 'Shipping', body: 'We ship worldwide.' });
    expect(untagged.tags).toEqual([]);

    const got = await api(srv.url, 'GET', `/api/v1/kb/articles/${created.id}`, { token: admin });
    expect(got).toEqual({ status: 200, body: { article: created } });

    const list = await api(srv.url, 'GET', '/api/v1/kb/articles', { token: admin });
    expect(list.status).toBe(200);
    expect(list.body.articles.map((a: { id: string }) => a.id)).toEqual([untagged.id, created.id]);

    const patched = await api(srv.url, 'PATCH', `/api/v1/kb/articles/${created.id}`, {
      token: admin,
      body: { body: 'Returns are free within 60 days.' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.article).toEqual({
      ...created,
      body: 'Returns are free within 60 days.',
      updatedAt: expect.any(String),
    });
    expect(Date.parse(patched.body.article.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.updatedAt));
    const retitled = await api(srv.url, 'PATCH', `/api/v1/kb/articles/${created.id}`, {
      token: admin,
      body: { title: 'Returns', tags: [] },
    });
    expect(retitled.body.article).toMatchObject({
      title: 'Returns',
      tags: [],
      body: patched.body.article.body,
    });
    const relisted = await api(srv.url, 'GET', '/api/v1/kb/articles', { token: admin });
    expect(relisted.body.articles[0]).toEqual(retitled.body.article);

    const deleted = await api(srv.url, 'DELETE', `/api/v1/kb/articles/${created.id}`, { token: admin });
    expect(deleted).toEqual({ status: 204, body: '' });
    expectError(
      await api(srv.url, 'GET', `/api/v1/kb/articles/${created.id}`, { token: admin }),
      404,
      'NOT_FOUND',
    );
    expectError(
      await api(srv.url, 'DELETE', `/api/v1/kb/articles/${created.id}`, { token: admin }),
      404,
      'NOT_FOUND',
    );
    expectError(
      await api(srv.url, 'PATCH', `/api/v1/kb/articles/${created.id}`, {
        token: admin,
        body: { title: 'x' },
      }),
      404,
      'NOT_FOUND',
    );
    const after = await api(srv.url, 'GET', '/api/v1/kb/articles', { token: admin });
    expect(after.body.articles.map((a: { id: string }) => a.id)).toEqual([untagged.id]);
  });

  it('documents every route in the OpenAPI document under "knowledge base"', async () => {
    const { body } = await api(srv.url, 'GET', '/api/v1/openapi.json');
    const routes: [string, string][] = [
      ['/api/v1/kb/articles', 'get'],
      ['/api/v1/kb/articles', 'post'],
      ['/api/v1/kb/articles/{id}', 'get'],
      ['/api/v1/kb/articles/{id}', 'patch'],
      ['/api/v1/kb/articles/{id}', 'delete'],
      ['/api/v1/kb/search', 'get'],
    ];
    for (const [path, method] of routes) {
      const operation = body.paths[path]?.[method];
      expect(operation, `${method} ${path}`).toBeDefined();
      expect(operation.tags).toEqual(['knowledge base']);
      expect(operation.security).toEqual([{ bearer: [] }]);
    }
  });
});

describe('knowledge base permissions', () => {
  it('lets a plain agent read and search but not write', async () => {
    const article = await createArticle();
    const agent = await newAgent('agent');

    expect((await api(srv.url, 'GET', '/api/v1/kb/articles', { token: agent })).body.articles).toHaveLength(
      1,
    );
    expect((await api(srv.url, 'GET', `/api/v1/kb/articles/${article.id}`, { token: agent })).status).toBe(
      200,
    );
    expect((await search('how do I return an item', agent)).body.results[0].articleId).toBe(article.id);

    expectError(
      await api(srv.url, 'POST', '/api/v1/kb/articles', { token: agent, body: returnsArticle }),
      403,
      'FORBIDDEN',
    );
    expectError(
      await api(srv.url, 'PATCH', `/api/v1/kb/articles/${article.id}`, {
        token: agent,
        body: { title: 'Mine' },
      }),
      403,
      'FORBIDDEN',
    );
    expectError(
      await api(srv.url, 'DELETE', `/api/v1/kb/articles/${article.id}`, { token: agent }),
      403,
      'FORBIDDEN',
    );

    const second = await newAgent('admin');
    expect(
      (await api(srv.url, 'POST', '/api/v1/kb/articles', { token: second, body: returnsArticle })).status,
    ).toBe(201);
    const list = await api(srv.url, 'GET', '/api/v1/kb/articles', { token: admin });
    expect(list.body.articles).toHaveLength(2);
    expect(list.body.articles.find((a: { id: string }) => a.id === article.id)).toEqual(article);
  });

  it('forbids visitors everything and asks for a token', async () => {
    const article = await createArticle();
    const visitor = await newVisitorConversation(srv.url, await widgetKeyOf(srv.url, admin));
    const cases: [string, string, unknown][] = [
      ['GET', '/api/v1/kb/articles', undefined],
      ['POST', '/api/v1/kb/articles', returnsArticle],
      ['GET', `/api/v1/kb/articles/${article.id}`, undefined],
      ['PATCH', `/api/v1/kb/articles/${article.id}`, { title: 'Pwned' }],
      ['DELETE', `/api/v1/kb/articles/${article.id}`, undefined],
      ['GET', '/api/v1/kb/search?q=return', undefined],
    ];
    for (const [method, path, body] of cases) {
      expectError(
        await api(srv.url, method, path, { token: visitor.token, body }),
        403,
        'FORBIDDEN',
        `${method} ${path}`,
      );
      expectError(await api(srv.url, method, path, { body }), 401, 'UNAUTHORIZED', `${method} ${path}`);
    }
    expect(
      (await api(srv.url, 'GET', `/api/v1/kb/articles/${article.id}`, { token: admin })).body.article,
    ).toEqual(article);
  });
});

describe('knowledge base isolation', () => {
  it("gives B's admin 404 on A's article and never shows it in B's list or search", async () => {
    const article = await createArticle();
    const signup = await api(srv.url, 'POST', '/api/v1/signup', {
      body: { workspaceName: 'Beta', name: 'Bea', email: 'bea@beta.test', password: 'bea-password' },
    });
    expect(signup.status).toBe(201);
    const adminB: string = signup.body.token;
    const own = await createArticle({ title: 'Gift cards', body: 'Gift cards never expire.' }, adminB);

    expectError(
      await api(srv.url, 'GET', `/api/v1/kb/articles/${article.id}`, { token: adminB }),
      404,
      'NOT_FOUND',
    );
    expectError(
      await api(srv.url, 'PATCH', `/api/v1/kb/articles/${article.id}`, {
        token: adminB,
        body: { title: 'Pwned' },
      }),
      404,
      'NOT_FOUND',
    );
    expectError(
      await api(srv.url, 'DELETE', `/api/v1/kb/articles/${article.id}`, { token: adminB }),
      404,
      'NOT_FOUND',
    );

    const listB = await api(srv.url, 'GET', '/api/v1/kb/articles', { token: adminB });
    expect(listB.body.articles.map((a: { id: string }) => a.id)).toEqual([own.id]);
    for (const q of ['how do I return an item', 'Returning an item', 'prepaid return label']) {
      const res = await search(q, adminB, 20);
      expect(res.status).toBe(200);
      expect(JSON.stringify(res.body)).not.toContain(article.id);
      expect(JSON.stringify(res.body)).not.toContain('prepaid');
    }
    expect(
      (await search('gift cards', adminB)).body.results.map((r: { articleId: string }) => r.articleId),
    ).toEqual([own.id]);
    // A sees only its own, unchanged.
    expect(
      (await api(srv.url, 'GET', `/api/v1/kb/articles/${article.id}`, { token: admin })).body.article,
    ).toEqual(article);
    expect(JSON.stringify((await search('gift cards never expire', admin, 20)).body)).not.toContain(own.id);
  });
});

describe('knowledge base input validation', () => {
  it('answers 400 in the contract shape to bad article bodies', async () => {
    const article = await createArticle();
    const long = (n: number) => 'x'.repeat(n);
    const bad: [string, unknown][] = [
      ['no title', { body: 'b' }],
      ['no body', { title: 't' }],
      ['empty title', { title: '', body: 'b' }],
      ['blank title', { title: '   ', body: 'b' }],
      ['blank body', { title: 't', body: ' \n ' }],
      ['title too long', { title: long(201), body: 'b' }],
      ['body too long', { title: 't', body: long(20_001) }],
      ['title not a string', { title: 5, body: 'b' }],
      ['tags not a list', { title: 't', body: 'b', tags: 'returns' }],
      ['too many tags', { title: 't', body: 'b', tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }],
      ['tag too long', { title: 't', body: 'b', tags: [long(51)] }],
      ['empty tag', { title: 't', body: 'b', tags: [''] }],
      ['blank tag', { title: 't', body: 'b', tags: ['  '] }],
      ['tag not a string', { title: 't', body: 'b', tags: [1] }],
      ['extra property', { title: 't', body: 'b', workspaceId: 'ws_other' }],
      ['not an object', ['t', 'b']],
      ['null', null],
    ];
    for (const [what, body] of bad) {
      expectError(
        await api(srv.url, 'POST', '/api/v1/kb/articles', { token: admin, body }),
        400,
        'BAD_REQUEST',
        what,
      );
    }
    expectError(
      await api(srv.url, 'POST', '/api/v1/kb/articles', { token: admin, body: '{"title": "t",' }),
      400,
      'BAD_REQUEST',
      'invalid JSON',
    );
    const badPatches: [string, unknown][] = [
      ['empty patch', {}],
      ['extra property', { title: 't', id: 'x' }],
      ['blank title', { title: ' ' }],
      ['body too long', { body: long(20_001) }],
      ['too many tags', { tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }],
      ['null title', { title: null }],
    ];
    for (const [what, body] of badPatches) {
      expectError(
        await api(srv.url, 'PATCH', `/api/v1/kb/articles/${article.id}`, { token: admin, body }),
        400,
        'BAD_REQUEST',
        what,
      );
    }
    expectError(
      await api(srv.url, 'GET', `/api/v1/kb/articles/${long(65)}`, { token: admin }),
      400,
      'BAD_REQUEST',
    );
    expectError(
      await api(srv.url, 'GET', '/api/v1/kb/articles/art_unknown', { token: admin }),
      404,
      'NOT_FOUND',
    );

    // Limits are inclusive; nothing of the refused requests was stored.
    const edge = await createArticle({
      title: long(200),
      body: long(20_000),
      tags: Array(20)
        .fill(0)
        .map((_, i) => `${i}`.padEnd(50, 'y')),
    });
    expect(edge.tags).toHaveLength(20);
    const list = await api(srv.url, 'GET', '/api/v1/kb/articles', { token: admin });
    expect(list.body.articles.map((a: { id: string }) => a.id)).toEqual([edge.id, article.id]);
    expect(list.body.articles[1]).toEqual(article);
  });

  it('answers 400 to bad search queries', async () => {
    for (const query of [
      '',
      '?q=',
      '?q=%20%20',
      `?q=${'x'.repeat(501)}`,
      '?q=a&limit=0',
      '?q=a&limit=21',
      '?q=a&limit=abc',
      '?q=a&limit=1.5',
    ]) {
      expectError(
        await api(srv.url, 'GET', `/api/v1/kb/search${query}`, { token: admin }),
        400,
        'BAD_REQUEST',
        query,
      );
    }
    expect(await search('anything at all')).toEqual({ status: 200, body: { results: [] } });
  });
});

describe('knowledge base search', () => {
  it('finds an article once created, finds its new text once patched, and forgets it once deleted', async () => {
    for (const { title, body, tags } of helpCenterArticles) await createArticle({ title, body, tags });
    const q = 'do you offer gift wrapping for presents?';
    expect((await search(q)).body.results.map((r: { title: string }) => r.title)).not.toContain(
      'Gift wrapping',
    );

    const article = await createArticle({
      title: 'Gift wrapping',
      body: 'Add gift wrapping at checkout for ¥5 per item. We add a card with your message.',
      tags: ['gift'],
    });
    const found = await search(q);
    expect(found.status).toBe(200);
    expect(found.body.results[0]).toEqual({
      articleId: article.id,
      title: 'Gift wrapping',
      text: 'Add gift wrapping at checkout for ¥5 per item. We add a card with your message.',
      score: expect.any(Number),
    });
    expect(found.body.results.length).toBeLessThanOrEqual(3);

    await api(srv.url, 'PATCH', `/api/v1/kb/articles/${article.id}`, {
      token: admin,
      body: { body: 'Gift wrapping is free for members and costs ¥8 for everyone else.' },
    });
    const updated = await search(q, admin, 1);
    expect(updated.body.results).toEqual([
      {
        articleId: article.id,
        title: 'Gift wrapping',
        text: 'Gift wrapping is free for members and costs ¥8 for everyone else.',
        score: expect.any(Number),
      },
    ]);

    await api(srv.url, 'PATCH', `/api/v1/kb/articles/${article.id}`, {
      token: admin,
      body: { title: 'Engraving', body: 'We engrave names on jewellery for ¥30.', tags: [] },
    });
    expect((await search('engrave my ring')).body.results[0].articleId).toBe(article.id);

    expect((await api(srv.url, 'DELETE', `/api/v1/kb/articles/${article.id}`, { token: admin })).status).toBe(
      204,
    );
    for (const query of [q, 'engrave my ring']) {
      expect(JSON.stringify((await search(query, admin, 20)).body)).not.toContain(article.id);
    }
    // The rest of the knowledge base still answers.
    const refund = await search('when will my refund arrive', admin, 1);
    expect(refund.body.results.map((r: { title: string }) => r.title)).toEqual([
      'When will I get my refund?',
    ]);
    const zh = await search('怎么开发票');
    expect(zh.body.results[0].title).toBe('如何开具发票');
    for (let i = 1; i < zh.body.results.length; i++) {
      expect(zh.body.results[i - 1].score).toBeGreaterThanOrEqual(zh.body.results[i].score);
    }
  });
});
