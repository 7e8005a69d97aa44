import { beforeEach, describe, expect, it } from 'vitest';
import { KnowledgeIndex } from '../bot/retrieval/knowledge-index.ts';
import { MemoryStore } from '../store/memory-store.ts';
import { KnowledgeService } from './knowledge-service.ts';
import type { Principal } from './principal.ts';

let store: MemoryStore;
let index: KnowledgeIndex;
let service: KnowledgeService;
let admin: Principal;
let agent: Principal;
let visitor: Principal;
let otherAdmin: Principal;
/** Workspaces whose index was invalidated (this node's, then the other nodes' through onChanged). */
let invalidated: string[];
let announced: string[];

beforeEach(async () => {
  store = new MemoryStore();
  index = new KnowledgeIndex({ store });
  invalidated = [];
  announced = [];
  const invalidate = index.invalidate.bind(index);
  index.invalidate = (workspaceId) => {
    invalidated.push(workspaceId);
    invalidate(workspaceId);
  };
  service = new KnowledgeService({ store, index, onChanged: (workspaceId) => announced.push(workspaceId) });
  const ws = await store.createWorkspace({ name: 'A', widgetKey: 'wk_a', botEnabled: true });
  const other = await store.createWorkspace({ name: 'B', widgetKey: 'wk_b', botEnabled: true });
  admin = { type: 'agent', id: 'ag_1', workspaceId: ws.id, name: 'Ann', role: 'admin' };
  agent = { type: 'agent', id: 'ag_2', workspaceId: ws.id, name: 'Bob', role: 'agent' };
  visitor = { type: 'visitor', id: 'vi_1', workspaceId: ws.id, name: null };
  otherAdmin = { type: 'agent', id: 'ag_3', workspaceId: other.id, name: 'Bea', role: 'admin' };
});

const input = { title: 'Returns', body: 'Returns are free within 30 days.', tags: ['returns'] };

describe('KnowledgeService', () => {
  it('invalidates the index and tells the other nodes on every successful write, and only then', async () => {
    const ws = admin.workspaceId;
    const empty = await index.version(ws);
    const article = await service.create(admin, input);
    expect(invalidated).toEqual([ws]);
    const withArticle = await index.version(ws);
    expect(withArticle).not.toBe(empty);
    await service.update(admin, article.id, { tags: ['refunds'] });
    expect(await index.version(ws)).not.toBe(withArticle);
    await service.delete(admin, article.id);
    expect(await index.version(ws)).toBe(empty);
    expect(invalidated).toEqual([ws, ws, ws]);

    await expect(service.delete(admin, article.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(service.update(admin, article.id, { title: 'x' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(service.create(admin, { ...input, title: ' ' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    await expect(service.create(agent, input)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(invalidated).toEqual([ws, ws, ws]);
    expect(announced).toEqual([ws, ws, ws]);
  });

  it('trims, drops duplicate tags, and checks limits after trimming', async () => {
    const article = await service.create(admin, {
      title: `  ${'t'.repeat(200)}  `,
      body: ' body ',
      tags: [' a ', 'a', 'b'],
    });
    expect(article).toMatchObject({ title: 't'.repeat(200), body: 'body', tags: ['a', 'b'] });
    await expect(service.create(admin, { ...input, tags: Array(21).fill('x') })).resolves.toMatchObject({
      tags: ['x'],
    });
    const tooMany = Array.from({ length: 21 }, (_, i) => `t${i}`);
    await expect(service.create(admin, { ...input, tags: tooMany })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    await expect(service.update(admin, article.id, {})).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('lets agents read and search, admins write, and no visitor anything', async () => {
    const article = await service.create(admin, input);
    expect(await service.get(agent, article.id)).toEqual(article);
    expect(await service.list(agent)).toEqual([article]);
    expect((await service.search(agent, 'how do I return something'))[0]!.articleId).toBe(article.id);
    await expect(service.update(agent, article.id, { title: 'x' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(service.delete(agent, article.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    for (const call of [
      () => service.list(visitor),
      () => service.get(visitor, article.id),
      () => service.create(visitor, input),
      () => service.search(visitor, 'returns'),
    ]) {
      await expect(call()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    }
    await expect(service.search(agent, '  ')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(service.search(agent, 'returns', 0)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it("treats another workspace's article as not found", async () => {
    const article = await service.create(admin, input);
    await expect(service.get(otherAdmin, article.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(service.update(otherAdmin, article.id, { title: 'x' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(service.delete(otherAdmin, article.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await service.list(otherAdmin)).toEqual([]);
    expect(await service.search(otherAdmin, 'returns free within 30 days')).toEqual([]);
    expect(await service.get(admin, article.id)).toEqual(article);
  });
});
