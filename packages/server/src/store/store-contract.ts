import { type Attachment, type Conversation, DEFAULT_WIDGET_SETTINGS } from '@unique-support/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BotTurn } from '../bot/bot-turn.ts';
import { AppError } from '../errors.ts';
import type {
  ConversationPatch,
  NewAgent,
  NewArticle,
  NewConversation,
  NewMessage,
  NewVisitor,
  NewWorkspace,
  Store,
} from './store.ts';

/**
 * The behaviour every Store implementation must have. Each test gets a fresh,
 * initialised store. Time-dependent tests fake only `Date` (no timers, no sleeps).
 *
 * Choices the interface leaves open, fixed here:
 * - `listMessages` for a conversation of another workspace (or an unknown one) returns [],
 *   the list form of "reads scoped to a workspace return null".
 * - widget keys are unique: a taken one throws AppError CONFLICT.
 * - `interrupted` is present on a message (as `true`) only when it was stored as interrupted.
 * - articles with the same `updatedAt` list by id, descending (as conversations do).
 * - `recordBotTurn` for a conversation not in the turn's workspace throws NOT_FOUND (nothing kept).
 * - `markDelivered`: within one batch too, the first delivery of a message wins.
 * - `reportRows` lists conversations by `createdAt` and bot turns by `startedAt`, oldest first.
 */
export function storeContract(name: string, createStore: () => Promise<Store> | Store): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    let counter = 0;
    const unique = (prefix: string) => `${prefix}${++counter}`;

    beforeEach(async () => {
      store = await createStore();
      await store.init();
    });

    afterEach(async () => {
      vi.useRealTimers();
      await store.close();
    });

    /** Freezes `Date` at `iso`; call again to move it. */
    const clockAt = (iso: string) => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(new Date(iso));
    };

    const expectIso = (value: string) => expect(new Date(value).toISOString()).toBe(value);

    const makeWorkspace = (over: Partial<NewWorkspace> = {}) =>
      store.createWorkspace({ name: 'Acme', widgetKey: unique('wk_'), botEnabled: false, ...over });

    const makeAgent = (workspaceId: string, over: Partial<NewAgent> = {}) =>
      store.createAgent({
        workspaceId,
        name: 'Ann',
        email: `${unique('agent')}@example.com`,
        role: 'agent',
        maxConcurrent: 3,
        passwordHash: 'hash',
        ...over,
      });

    const makeVisitor = (workspaceId: string, over: Partial<NewVisitor> = {}) =>
      store.createVisitor({
        workspaceId,
        name: null,
        email: null,
        attributes: {},
        pageUrl: null,
        ip: null,
        ...over,
      });

    const makeConversation = async (workspaceId: string, over: Partial<NewConversation> = {}) => {
      const visitorId = over.visitorId ?? (await makeVisitor(workspaceId)).id;
      return store.createConversation({ workspaceId, visitorId, status: 'bot', queuedAt: null, ...over });
    };

    const msg = (
      c: Pick<Conversation, 'id' | 'workspaceId'>,
      text: string,
      clientMessageId: string | null = null,
    ): NewMessage => ({
      workspaceId: c.workspaceId,
      conversationId: c.id,
      author: { type: 'visitor', id: null, name: null },
      text,
      clientMessageId,
    });

    const makeArticle = (workspaceId: string, over: Partial<NewArticle> = {}) =>
      store.createArticle({
        workspaceId,
        title: 'How to return an item',
        body: 'Returns are free within 30 days.',
        tags: ['returns', '退货'],
        ...over,
      });

    const allMessages = (c: Pick<Conversation, 'id' | 'workspaceId'>) =>
      store.listMessages({ workspaceId: c.workspaceId, conversationId: c.id, afterSeq: 0, limit: 1000 });

    describe('lifecycle and secrets', () => {
      it('ping resolves on an open store', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
      });

      it('getOrCreateSecret creates the secret once, then returns it without calling create', async () => {
        const create = vi.fn(() => 'first');
        expect(await store.getOrCreateSecret('jwt', create)).toBe('first');
        const again = vi.fn(() => 'second');
        expect(await store.getOrCreateSecret('jwt', again)).toBe('first');
        expect(create).toHaveBeenCalledTimes(1);
        expect(again).not.toHaveBeenCalled();
        expect(await store.getOrCreateSecret('other', () => 'x')).toBe('x');
      });
    });

    describe('workspaces', () => {
      it('createWorkspace returns the stored workspace', async () => {
        const ws = await makeWorkspace({ name: 'Demo', widgetKey: 'wk_demo', botEnabled: true });
        expect(ws).toEqual({
          id: expect.any(String),
          name: 'Demo',
          widgetKey: 'wk_demo',
          botEnabled: true,
          widget: DEFAULT_WIDGET_SETTINGS,
          createdAt: expect.any(String),
        });
        expectIso(ws.createdAt);
        expect(await store.getWorkspace(ws.id)).toEqual(ws);
        expect(await store.getWorkspace('ws_unknown')).toBeNull();
      });

      it('getWorkspaceByWidgetKey finds the workspace by key, null for an unknown key', async () => {
        const ws = await makeWorkspace();
        await makeWorkspace();
        expect(await store.getWorkspaceByWidgetKey(ws.widgetKey)).toEqual(ws);
        expect(await store.getWorkspaceByWidgetKey('wk_unknown')).toBeNull();
      });

      it('a taken widget key throws CONFLICT', async () => {
        await makeWorkspace({ widgetKey: 'wk_same' });
        await expect(makeWorkspace({ widgetKey: 'wk_same' })).rejects.toMatchObject({ code: 'CONFLICT' });
      });

      it('updateWorkspace changes only the given fields, null for an unknown id', async () => {
        const ws = await makeWorkspace({ name: 'Before', botEnabled: false });
        const renamed = await store.updateWorkspace(ws.id, { name: 'After' });
        expect(renamed).toEqual({ ...ws, name: 'After' });
        const toggled = await store.updateWorkspace(ws.id, { botEnabled: true });
        expect(toggled).toEqual({ ...ws, name: 'After', botEnabled: true });
        expect(await store.getWorkspace(ws.id)).toEqual(toggled);
        expect(await store.updateWorkspace('ws_unknown', { name: 'x' })).toBeNull();
      });

      it('firstWorkspace is null on a fresh store, then the oldest workspace', async () => {
        expect(await store.firstWorkspace()).toBeNull();
        clockAt('2030-01-01T00:00:00.000Z');
        const first = await makeWorkspace();
        clockAt('2030-01-01T00:00:01.000Z');
        await makeWorkspace();
        expect(await store.firstWorkspace()).toEqual(first);
      });
    });

    describe('agents', () => {
      it('createWorkspaceWithAgent creates both, or neither when the e-mail is taken', async () => {
        const admin = {
          name: 'Ann',
          email: 'Ann@X.test',
          role: 'admin' as const,
          maxConcurrent: 3,
          passwordHash: 'h',
        };
        const { workspace, agent } = await store.createWorkspaceWithAgent(
          { name: 'Acme', widgetKey: 'wk_acme', botEnabled: true },
          admin,
        );
        expect(agent).toMatchObject({ workspaceId: workspace.id, email: 'ann@x.test', role: 'admin' });
        expect(await store.getWorkspace(workspace.id)).toEqual(workspace);

        await expect(
          store.createWorkspaceWithAgent({ name: 'Dup', widgetKey: 'wk_dup', botEnabled: true }, admin),
        ).rejects.toMatchObject({ code: 'CONFLICT' });
        expect(await store.getWorkspaceByWidgetKey('wk_dup')).toBeNull();
      });

      it('createAgent stores the e-mail lower-cased and keeps the password hash', async () => {
        const ws = await makeWorkspace();
        const agent = await makeAgent(ws.id, {
          email: 'Ann.Lee@Example.COM',
          role: 'admin',
          maxConcurrent: 5,
        });
        expect(agent).toEqual({
          id: expect.any(String),
          workspaceId: ws.id,
          name: 'Ann',
          email: 'ann.lee@example.com',
          role: 'admin',
          maxConcurrent: 5,
          passwordHash: 'hash',
          createdAt: expect.any(String),
        });
        expectIso(agent.createdAt);
        expect(await store.getAgent(ws.id, agent.id)).toEqual(agent);
      });

      it('createAgent throws AppError CONFLICT for a taken e-mail, whatever the case or workspace', async () => {
        const ws = await makeWorkspace();
        const other = await makeWorkspace();
        await makeAgent(ws.id, { email: 'dup@example.com' });
        const sameWorkspace = makeAgent(ws.id, { email: 'DUP@example.com' });
        await expect(sameWorkspace).rejects.toBeInstanceOf(AppError);
        await expect(sameWorkspace).rejects.toMatchObject({ code: 'CONFLICT' });
        await expect(makeAgent(other.id, { email: 'Dup@Example.com' })).rejects.toMatchObject({
          code: 'CONFLICT',
        });
        expect(await store.countAgents()).toBe(1);
      });

      it('getAgentByEmail is case-insensitive, null for an unknown e-mail', async () => {
        const ws = await makeWorkspace();
        const agent = await makeAgent(ws.id, { email: 'Bob@Example.com' });
        expect(await store.getAgentByEmail('bob@example.com')).toEqual(agent);
        expect(await store.getAgentByEmail('BOB@EXAMPLE.COM')).toEqual(agent);
        expect(await store.getAgentByEmail('nobody@example.com')).toBeNull();
      });

      it('getAgent returns null for another workspace or an unknown id', async () => {
        const ws = await makeWorkspace();
        const other = await makeWorkspace();
        const agent = await makeAgent(ws.id);
        expect(await store.getAgent(other.id, agent.id)).toBeNull();
        expect(await store.getAgent(ws.id, 'ag_unknown')).toBeNull();
      });

      it("listAgents returns the workspace's agents, oldest first", async () => {
        const ws = await makeWorkspace();
        const other = await makeWorkspace();
        clockAt('2030-01-01T00:00:00.000Z');
        const a1 = await makeAgent(ws.id);
        clockAt('2030-01-01T00:00:01.000Z');
        await makeAgent(other.id);
        clockAt('2030-01-01T00:00:02.000Z');
        const a2 = await makeAgent(ws.id);
        clockAt('2030-01-01T00:00:03.000Z');
        const a3 = await makeAgent(ws.id);
        expect(await store.listAgents(ws.id)).toEqual([a1, a2, a3]);
        expect(await store.listAgents('ws_unknown')).toEqual([]);
      });

      it('updateAgent changes only the given fields, null for another workspace', async () => {
        const ws = await makeWorkspace();
        const other = await makeWorkspace();
        const agent = await makeAgent(ws.id);
        const updated = await store.updateAgent(ws.id, agent.id, { name: 'Anna', maxConcurrent: 7 });
        expect(updated).toEqual({ ...agent, name: 'Anna', maxConcurrent: 7 });
        const promoted = await store.updateAgent(ws.id, agent.id, { role: 'admin', passwordHash: 'new' });
        expect(promoted).toEqual({
          ...agent,
          name: 'Anna',
          maxConcurrent: 7,
          role: 'admin',
          passwordHash: 'new',
        });
        expect(await store.updateAgent(other.id, agent.id, { name: 'Mallory' })).toBeNull();
        expect(await store.updateAgent(ws.id, 'ag_unknown', { name: 'x' })).toBeNull();
        expect(await store.getAgent(ws.id, agent.id)).toEqual(promoted);
      });

      it('countAgents counts the agents of all workspaces', async () => {
        expect(await store.countAgents()).toBe(0);
        const ws = await makeWorkspace();
        const other = await makeWorkspace();
        await makeAgent(ws.id);
        await makeAgent(ws.id);
        await makeAgent(other.id);
        expect(await store.countAgents()).toBe(3);
      });
    });

    describe('visitors', () => {
      it('createVisitor returns the stored visitor, lastSeenAt = createdAt', async () => {
        const ws = await makeWorkspace();
        const visitor = await makeVisitor(ws.id, {
          name: 'Vi',
          email: 'vi@example.com',
          attributes: { plan: 'pro', seats: 3, trial: false, ref: null },
          pageUrl: 'https://example.com/pricing',
          ip: '203.0.113.7',
        });
        expect(visitor).toEqual({
          id: expect.any(String),
          workspaceId: ws.id,
          name: 'Vi',
          email: 'vi@example.com',
          attributes: { plan: 'pro', seats: 3, trial: false, ref: null },
          pageUrl: 'https://example.com/pricing',
          ip: '203.0.113.7',
          userId: null,
          createdAt: expect.any(String),
          lastSeenAt: visitor.createdAt,
        });
        expectIso(visitor.createdAt);
        expect(await store.getVisitor(ws.id, visitor.id)).toEqual(visitor);
      });

      it('getVisitor returns null for another workspace or an unknown id', async () => {
        const ws = await makeWorkspace();
        const other = await makeWorkspace();
        const visitor = await makeVisitor(ws.id);
        expect(await store.getVisitor(other.id, visitor.id)).toBeNull();
        expect(await store.getVisitor(ws.id, 'vi_unknown')).toBeNull();
      });

      it('updateVisitor replaces the attribute map and keeps the fields not given', async () => {
        const ws = await makeWorkspace();
        const visitor = await makeVisitor(ws.id, { name: 'Vi', attributes: { a: 1, b: 'two' } });
        const updated = await store.updateVisitor(ws.id, visitor.id, { attributes: { c: true } });
        expect(updated).toEqual({ ...visitor, attributes: { c: true } });
        const seen = '2031-05-06T07:08:09.010Z';
        const again = await store.updateVisitor(ws.id, visitor.id, {
          name: null,
          email: 'vi@example.com',
          pageUrl: 'https://example.com/',
          ip: '198.51.100.1',
          lastSeenAt: seen,
        });
        expect(again).toEqual({
          ...visitor,
          attributes: { c: true },
          name: null,
          email: 'vi@example.com',
          pageUrl: 'https://example.com/',
          ip: '198.51.100.1',
          lastSeenAt: seen,
        });
        expect(await store.getVisitor(ws.id, visitor.id)).toEqual(again);
      });

      it('updateVisitor returns null and writes nothing for another workspace', async () => {
        const ws = await makeWorkspace();
        const other = await makeWorkspace();
        const visitor = await makeVisitor(ws.id, { name: 'Vi' });
        expect(await store.updateVisitor(other.id, visitor.id, { name: 'Mallory' })).toBeNull();
        expect(await store.updateVisitor(ws.id, 'vi_unknown', { name: 'x' })).toBeNull();
        expect(await store.getVisitor(ws.id, visitor.id)).toEqual(visitor);
      });
    });

    describe('conversations', () => {
      it('createConversation starts empty and unassigned', async () => {
        const ws = await makeWorkspace();
        const visitor = await makeVisitor(ws.id);
        const queuedAt = '2030-01-01T00:00:00.000Z';
        const c = await store.createConversation({
          workspaceId: ws.id,
          visitorId: visitor.id,
          status: 'queued',
          queuedAt,
        });
        expect(c).toEqual({
          id: expect.any(String),
          workspaceId: ws.id,
          visitorId: visitor.id,
          status: 'queued',
          assigneeId: null,
          createdAt: expect.any(String),
          updatedAt: c.createdAt,
          lastSeq: 0,
          queuedAt,
          firstResponseAt: null,
          resolvedAt: null,
          visitorReadSeq: 0,
          agentReadSeq: 0,
          rating: null,
          labels: [],
        });
        expectIso(c.createdAt);
        expect(await store.getConversation(ws.id, c.id)).toEqual(c);
      });

      it('getConversation returns null for another workspace or an unknown id', async () => {
        const ws = await makeWorkspace();
        const other = await makeWorkspace();
        const c = await makeConversation(ws.id);
        expect(await store.getConversation(other.id, c.id)).toBeNull();
        expect(await store.getConversation(ws.id, 'cv_unknown')).toBeNull();
      });

      it('listConversations filters by workspace, status, assignee and visitor', async () => {
        const ws = await makeWorkspace();
        const other = await makeWorkspace();
        const ann = await makeAgent(ws.id);
        const bob = await makeAgent(ws.id);
        const vi = await makeVisitor(ws.id);
        const botChat = await makeConversation(ws.id, { visitorId: vi.id });
        const queued = await makeConversation(ws.id, {
          status: 'queued',
          queuedAt: '2030-01-01T00:00:00.000Z',
        });
        const annChat = await store.updateConversation(ws.id, (await makeConversation(ws.id)).id, {
          status: 'assigned',
          assigneeId: ann.id,
        });
        const bobChat = await store.updateConversation(
          ws.id,
          (await makeConversation(ws.id, { visitorId: vi.id })).id,
          {
            status: 'assigned',
            assigneeId: bob.id,
          },
        );
        await makeConversation(other.id);

        const ids = async (filter: Omit<Parameters<Store['listConversations']>[0], 'workspaceId'>) =>
          (await store.listConversations({ workspaceId: ws.id, ...filter })).map((c) => c.id).sort();
        const sorted = (...cs: (Conversation | null)[]) => cs.map((c) => c!.id).sort();

        expect(await ids({})).toEqual(sorted(botChat, queued, annChat, bobChat));
        expect(await ids({ status: 'queued' })).toEqual(sorted(queued));
        expect(await ids({ status: 'assigned' })).toEqual(sorted(annChat, bobChat));
        expect(await ids({ assigneeId: ann.id })).toEqual(sorted(annChat));
        expect(await ids({ visitorId: vi.id })).toEqual(sorted(botChat, bobChat));
        expect(await ids({ visitorId: vi.id, status: 'assigned' })).toEqual(sorted(bobChat));
        expect(await ids({ status: 'assigned', assigneeId: bob.id })).toEqual(sorted(bobChat));
        expect(await ids({ status: 'resolved' })).toEqual([]);
        expect(await store.listConversations({ workspaceId: 'ws_unknown' })).toEqual([]);
      });

      it('listConversations returns the newest activity first', async () => {
        const ws = await makeWorkspace();
        clockAt('2030-01-01T00:00:01.000Z');
        const c1 = await makeConversation(ws.id);
        clockAt('2030-01-01T00:00:02.000Z');
        const c2 = await makeConversation(ws.id);
        clockAt('2030-01-01T00:00:03.000Z');
        const c3 = await makeConversation(ws.id);
        const order = async () => (await store.listConversations({ workspaceId: ws.id })).map((c) => c.id);
        expect(await order()).toEqual([c3.id, c2.id, c1.id]);

        clockAt('2030-01-01T00:00:04.000Z');
        await store.updateConversation(ws.id, c1.id, { visitorReadSeq: 0 });
        expect(await order()).toEqual([c1.id, c3.id, c2.id]);

        clockAt('2030-01-01T00:00:05.000Z');
        await store.appendMessages([msg(c2, 'hello')]);
        expect(await order()).toEqual([c2.id, c1.id, c3.id]);
      });

      it('listConversations breaks updatedAt ties by id, descending', async () => {
        const ws = await makeWorkspace();
        clockAt('2030-01-01T00:00:00.000Z');
        const created = [];
        for (let i = 0; i < 5; i++) created.push(await makeConversation(ws.id));
        const listed = await store.listConversations({ workspaceId: ws.id });
        const expected = created.map((c) => c.id).sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
        expect(listed.map((c) => c.id)).toEqual(expected);
      });

      it('listConversations of every status is one list: newest first, ties by id, the limit over all', async () => {
        const ws = await makeWorkspace();
        const statuses = ['resolved', 'bot', 'assigned', 'queued', 'bot', 'resolved', 'queued'] as const;
        const created: Conversation[] = [];
        for (const [i, status] of statuses.entries()) {
          // Two conversations a second: every pair ties on updatedAt.
          clockAt(`2030-01-01T00:00:0${Math.floor(i / 2)}.000Z`);
          created.push(await makeConversation(ws.id, { status }));
        }
        const descending = (a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0);
        const newestFirst = [...created].sort(
          (a, b) => descending(a.updatedAt, b.updatedAt) || descending(a.id, b.id),
        );
        const listed = await store.listConversations({ workspaceId: ws.id });
        expect(listed.map((c) => c.id)).toEqual(newestFirst.map((c) => c.id));
        const firstThree = await store.listConversations({ workspaceId: ws.id, limit: 3 });
        expect(firstThree.map((c) => c.id)).toEqual(newestFirst.slice(0, 3).map((c) => c.id));

        clockAt('2030-01-01T00:00:09.000Z');
        await store.appendMessages([msg(created[0]!, 'back again')]);
        const [newest] = await store.listConversations({ workspaceId: ws.id, limit: 1 });
        expect(newest?.id).toBe(created[0]!.id);
      });

      it('listConversations returns 50 by default and at most 200', async () => {
        const ws = await makeWorkspace();
        const visitor = await makeVisitor(ws.id);
        for (let i = 0; i < 201; i++) await makeConversation(ws.id, { visitorId: visitor.id });
        expect(await store.listConversations({ workspaceId: ws.id })).toHaveLength(50);
        expect(await store.listConversations({ workspaceId: ws.id, limit: 3 })).toHaveLength(3);
        expect(await store.listConversations({ workspaceId: ws.id, limit: 1000 })).toHaveLength(200);
      });

      it('updateConversation applies every patch field and bumps updatedAt', async () => {
        const ws = await makeWorkspace();
        const agent = await makeAgent(ws.id);
        clockAt('2030-01-01T00:00:00.000Z');
        const c = await makeConversation(ws.id, { status: 'queued', queuedAt: '2030-01-01T00:00:00.000Z' });
        clockAt('2030-01-01T00:10:00.000Z');
        const patch: ConversationPatch = {
          status: 'resolved',
          assigneeId: agent.id,
          queuedAt: null,
          firstResponseAt: '2030-01-01T00:01:00.000Z',
          resolvedAt: '2030-01-01T00:09:00.000Z',
          visitorReadSeq: 4,
          agentReadSeq: 5,
          rating: { score: 5, comment: 'great' },
          labels: ['vip', 'billing'],
        };
        const updated = await store.updateConversation(ws.id, c.id, patch);
        expect(updated).toEqual({ ...c, ...patch, updatedAt: '2030-01-01T00:10:00.000Z' });
        expect(await store.getConversation(ws.id, c.id)).toEqual(updated);
      });

      it('updateConversation keeps the fields not given and can clear the rating', async () => {
        const ws = await makeWorkspace();
        const agent = await makeAgent(ws.id);
        const c = await makeConversation(ws.id);
        const rated = await store.updateConversation(ws.id, c.id, {
          assigneeId: agent.id,
          rating: { score: 2, comment: null },
        });
        const cleared = await store.updateConversation(ws.id, c.id, { rating: null });
        expect(cleared).toEqual({ ...rated, rating: null, updatedAt: cleared!.updatedAt });
        expect(cleared!.assigneeId).toBe(agent.id);
        const unassigned = await store.updateConversation(ws.id, c.id, { assigneeId: null });
        expect(unassigned!.assigneeId).toBeNull();
      });

      it('updatedAt never moves backwards, even when the clock does', async () => {
        const ws = await makeWorkspace();
        clockAt('2030-01-01T12:00:00.000Z');
        const c = await makeConversation(ws.id);
        clockAt('2030-01-01T11:00:00.000Z');
        const updated = await store.updateConversation(ws.id, c.id, { agentReadSeq: 0 });
        expect(updated!.updatedAt).toBe('2030-01-01T12:00:00.000Z');
        await store.appendMessages([msg(c, 'late clock')]);
        expect((await store.getConversation(ws.id, c.id))!.updatedAt).toBe('2030-01-01T12:00:00.000Z');
      });

      it('updateConversation returns null and writes nothing for another workspace or an unknown id', async () => {
        const ws = await makeWorkspace();
        const other = await makeWorkspace();
        const c = await makeConversation(ws.id);
        expect(await store.updateConversation(other.id, c.id, { status: 'resolved' })).toBeNull();
        expect(await store.updateConversation(ws.id, 'cv_unknown', { status: 'resolved' })).toBeNull();
        expect(await store.getConversation(ws.id, c.id)).toEqual(c);
      });

      it('updateConversation with an expected status applies only while the status is in the list', async () => {
        const ws = await makeWorkspace();
        const agent = await makeAgent(ws.id);
        const c = await makeConversation(ws.id, { status: 'queued', queuedAt: '2030-01-01T00:00:00.000Z' });
        const refused = await store.updateConversation(
          ws.id,
          c.id,
          { status: 'assigned', assigneeId: agent.id },
          { status: ['bot', 'resolved'] },
        );
        expect(refused).toBeNull();
        expect(await store.getConversation(ws.id, c.id)).toEqual(c);
        expect(
          await store.updateConversation(ws.id, c.id, { status: 'resolved' }, { status: [] }),
        ).toBeNull();

        const taken = await store.updateConversation(
          ws.id,
          c.id,
          { status: 'assigned', assigneeId: agent.id },
          { status: ['bot', 'queued'] },
        );
        expect(taken).toMatchObject({ status: 'assigned', assigneeId: agent.id });
        // The same claim again no longer matches: exactly one of two racing claims wins.
        const second = await store.updateConversation(
          ws.id,
          c.id,
          { status: 'assigned' },
          { status: ['queued'] },
        );
        expect(second).toBeNull();
        expect(await store.getConversation(ws.id, c.id)).toEqual(taken);
      });

      it('updateConversation with an expected assignee matches null and a specific agent exactly', async () => {
        const ws = await makeWorkspace();
        const ann = await makeAgent(ws.id);
        const bob = await makeAgent(ws.id);
        const c = await makeConversation(ws.id);

        expect(
          await store.updateConversation(ws.id, c.id, { status: 'resolved' }, { assigneeId: ann.id }),
        ).toBeNull();
        const assigned = await store.updateConversation(
          ws.id,
          c.id,
          { status: 'assigned', assigneeId: ann.id },
          { assigneeId: null },
        );
        expect(assigned).toMatchObject({ status: 'assigned', assigneeId: ann.id });

        expect(
          await store.updateConversation(ws.id, c.id, { assigneeId: bob.id }, { assigneeId: null }),
        ).toBeNull();
        expect(
          await store.updateConversation(ws.id, c.id, { assigneeId: null }, { assigneeId: bob.id }),
        ).toBeNull();
        expect(await store.getConversation(ws.id, c.id)).toEqual(assigned);

        const transferred = await store.updateConversation(
          ws.id,
          c.id,
          { assigneeId: bob.id },
          { status: ['assigned'], assigneeId: ann.id },
        );
        expect(transferred).toMatchObject({ status: 'assigned', assigneeId: bob.id });
        expect(
          await store.updateConversation(
            ws.id,
            c.id,
            { status: 'resolved' },
            { status: ['queued'], assigneeId: bob.id },
          ),
        ).toBeNull();
        expect(await store.getConversation(ws.id, c.id)).toEqual(transferred);
      });

      it('countAssignedByAgent counts assigned conversations per agent of the workspace', async () => {
        const ws = await makeWorkspace();
        const other = await makeWorkspace();
        const ann = await makeAgent(ws.id);
        const bob = await makeAgent(ws.id);
        await makeAgent(ws.id); // has none: absent from the map
        const stranger = await makeAgent(other.id);
        const assign = async (workspaceId: string, assigneeId: string, status: 'assigned' | 'resolved') => {
          const c = await makeConversation(workspaceId);
          await store.updateConversation(workspaceId, c.id, { status, assigneeId });
        };
        await assign(ws.id, ann.id, 'assigned');
        await assign(ws.id, ann.id, 'assigned');
        await assign(ws.id, ann.id, 'resolved');
        await assign(ws.id, bob.id, 'assigned');
        await assign(other.id, stranger.id, 'assigned');
        await makeConversation(ws.id, { status: 'queued', queuedAt: '2030-01-01T00:00:00.000Z' });

        expect(await store.countAssignedByAgent(ws.id)).toEqual(
          new Map([
            [ann.id, 2],
            [bob.id, 1],
          ]),
        );
        expect(await store.countAssignedByAgent(other.id)).toEqual(new Map([[stranger.id, 1]]));
        expect(await store.countAssignedByAgent('ws_unknown')).toEqual(new Map());
      });

      it("appendMessages reports each conversation's status and first response as the message was stored", async () => {
        const ws = await makeWorkspace();
        const withBot = await makeConversation(ws.id);
        const answered = await makeConversation(ws.id);
        await store.updateConversation(ws.id, answered.id, {
          status: 'assigned',
          firstResponseAt: '2030-01-01T00:00:00.000Z',
        });
        const [first, second, again] = await store.appendMessages([
          msg(withBot, 'a', 'c1'),
          msg(answered, 'b'),
          msg(withBot, 'a', 'c1'), // the same message again: created false, same state
        ]);
        expect(first!.conversation).toEqual({ status: 'bot', firstResponseAt: null });
        expect(second!.conversation).toEqual({
          status: 'assigned',
          firstResponseAt: '2030-01-01T00:00:00.000Z',
        });
        expect(again).toMatchObject({
          created: false,
          conversation: { status: 'bot', firstResponseAt: null },
        });
      });

      it('listAssignees lists each (workspace, agent) holding an assigned conversation once', async () => {
        const ws = await makeWorkspace();
        const other = await makeWorkspace();
        const ann = await makeAgent(ws.id);
        const bob = await makeAgent(ws.id);
        const stranger = await makeAgent(other.id);
        const assign = async (workspaceId: string, assigneeId: string, status: 'assigned' | 'resolved') => {
          const c = await makeConversation(workspaceId);
          await store.updateConversation(workspaceId, c.id, { status, assigneeId });
        };
        await assign(ws.id, ann.id, 'assigned');
        await assign(ws.id, ann.id, 'assigned');
        await assign(ws.id, bob.id, 'resolved'); // resolved only: not listed
        await assign(other.id, stranger.id, 'assigned');

        const mine = (await store.listAssignees())
          .filter((p) => p.workspaceId === ws.id || p.workspaceId === other.id)
          .sort((a, b) => a.agentId.localeCompare(b.agentId));
        const expected = [
          { workspaceId: ws.id, agentId: ann.id },
          { workspaceId: other.id, agentId: stranger.id },
        ].sort((a, b) => a.agentId.localeCompare(b.agentId));
        expect(mine).toEqual(expected);
      });

      it('listQueued returns queued conversations of every workspace, oldest queuedAt first', async () => {
        const ws = await makeWorkspace();
        const other = await makeWorkspace();
        const late = await makeConversation(ws.id, {
          status: 'queued',
          queuedAt: '2030-01-01T00:03:00.000Z',
        });
        const early = await makeConversation(other.id, {
          status: 'queued',
          queuedAt: '2030-01-01T00:01:00.000Z',
        });
        const middle = await makeConversation(ws.id, {
          status: 'queued',
          queuedAt: '2030-01-01T00:02:00.000Z',
        });
        await makeConversation(ws.id, { status: 'bot' });
        const gone = await makeConversation(ws.id, {
          status: 'queued',
          queuedAt: '2030-01-01T00:00:00.000Z',
        });
        await store.updateConversation(ws.id, gone.id, { status: 'resolved' });

        expect((await store.listQueued()).map((c) => c.id)).toEqual([early.id, middle.id, late.id]);
        const requeued = await store.updateConversation(ws.id, gone.id, {
          status: 'queued',
          queuedAt: '2030-01-01T00:04:00.000Z',
        });
        expect(await store.listQueued()).toEqual([early, middle, late, requeued]);
      });
    });

    describe('messages', () => {
      it('appendMessages keeps an id chosen in advance', async () => {
        const ws = await makeWorkspace();
        const c = await makeConversation(ws.id);
        const [result] = await store.appendMessages([{ ...msg(c, 'streamed'), id: 'msg_chosen' }]);
        expect(result!.message).toMatchObject({ id: 'msg_chosen', seq: 1 });
        expect(
          (await store.listMessages({ workspaceId: ws.id, conversationId: c.id, afterSeq: 0 }))[0]!.id,
        ).toBe('msg_chosen');
      });

      it('appendMessages numbers messages 1, 2, 3... across batches and moves lastSeq and updatedAt', async () => {
        const ws = await makeWorkspace();
        clockAt('2030-01-01T00:00:00.000Z');
        const c = await makeConversation(ws.id);

        clockAt('2030-01-01T00:00:05.000Z');
        const first = await store.appendMessages([msg(c, 'one', 'c1'), msg(c, 'two')]);
        expect(first).toEqual([
          {
            created: true,
            conversation: { status: 'bot', firstResponseAt: null },
            message: {
              id: expect.any(String),
              conversationId: c.id,
              seq: 1,
              author: { type: 'visitor', id: null, name: null },
              text: 'one',
              clientMessageId: 'c1',
              createdAt: '2030-01-01T00:00:05.000Z',
            },
          },
          {
            created: true,
            message: expect.objectContaining({ seq: 2, text: 'two', clientMessageId: null }),
            conversation: { status: 'bot', firstResponseAt: null },
          },
        ]);
        expect(await store.getConversation(ws.id, c.id)).toMatchObject({
          lastSeq: 2,
          updatedAt: '2030-01-01T00:00:05.000Z',
        });

        clockAt('2030-01-01T00:00:09.000Z');
        const agentAuthor = { type: 'agent', id: 'ag_1', name: 'Ann' } as const;
        const second = await store.appendMessages([
          { ...msg(c, 'three'), author: agentAuthor },
          msg(c, 'four'),
          msg(c, 'five'),
        ]);
        expect(second.map((r) => r.message.seq)).toEqual([3, 4, 5]);
        expect(second[0]!.message.author).toEqual(agentAuthor);
        expect(await store.getConversation(ws.id, c.id)).toMatchObject({
          lastSeq: 5,
          updatedAt: '2030-01-01T00:00:09.000Z',
        });

        const stored = await allMessages(c);
        expect(stored).toEqual([...first, ...second].map((r) => r.message));
        expect(new Set(stored.map((m) => m.id)).size).toBe(5);
      });

      it('an interrupted message is stored and returned with interrupted: true; others omit the field', async () => {
        const ws = await makeWorkspace();
        const c = await makeConversation(ws.id);
        const bot = { type: 'bot', id: null, name: 'Bot' } as const;
        const results = await store.appendMessages([
          { ...msg(c, 'question', 'q1') },
          { ...msg(c, 'a partial ans'), author: bot, interrupted: true },
          { ...msg(c, 'a whole answer'), author: bot, interrupted: false },
        ]);
        const [plain, cut, whole] = results.map((r) => r.message);
        expect(cut).toMatchObject({ seq: 2, text: 'a partial ans', interrupted: true });
        expect(Object.keys(plain!)).not.toContain('interrupted');
        expect(Object.keys(whole!)).not.toContain('interrupted');

        const stored = await allMessages(c);
        expect(stored).toEqual([plain, cut, whole]);
        expect(stored.map((m) => 'interrupted' in m)).toEqual([false, true, false]);
        expect(stored[1]!.interrupted).toBe(true);
        // A retried clientMessageId returns the stored message as it was.
        const [retry] = await store.appendMessages([{ ...msg(c, 'question', 'q1'), interrupted: true }]);
        expect(retry).toMatchObject({ created: false, message: plain });
        expect('interrupted' in retry!.message).toBe(false);
      });

      it('an empty batch returns []', async () => {
        expect(await store.appendMessages([])).toEqual([]);
      });

      it('a clientMessageId stored earlier returns that message with created: false and stores nothing', async () => {
        const ws = await makeWorkspace();
        clockAt('2030-01-01T00:00:00.000Z');
        const c = await makeConversation(ws.id);
        const [original] = await store.appendMessages([msg(c, 'hello', 'client-1')]);
        const before = await store.getConversation(ws.id, c.id);

        clockAt('2030-01-01T00:01:00.000Z');
        const [retry] = await store.appendMessages([msg(c, 'hello (retried)', 'client-1')]);
        expect(retry).toMatchObject({ created: false, message: original!.message });
        expect(await allMessages(c)).toEqual([original!.message]);
        expect(await store.getConversation(ws.id, c.id)).toEqual(before);
      });

      it('a clientMessageId earlier in the same batch is deduplicated too', async () => {
        const ws = await makeWorkspace();
        const c = await makeConversation(ws.id);
        const results = await store.appendMessages([
          msg(c, 'a', 'dup'),
          msg(c, 'b', 'other'),
          msg(c, 'a again', 'dup'),
        ]);
        expect(results.map((r) => [r.created, r.message.seq, r.message.text])).toEqual([
          [true, 1, 'a'],
          [true, 2, 'b'],
          [false, 1, 'a'],
        ]);
        expect(results[2]!.message).toEqual(results[0]!.message);
        expect(await allMessages(c)).toHaveLength(2);
        expect((await store.getConversation(ws.id, c.id))!.lastSeq).toBe(2);
      });

      it('clientMessageId is unique per conversation, not across conversations', async () => {
        const ws = await makeWorkspace();
        const a = await makeConversation(ws.id);
        const b = await makeConversation(ws.id);
        const results = await store.appendMessages([msg(a, 'x', 'same'), msg(b, 'y', 'same')]);
        expect(results.map((r) => [r.created, r.message.conversationId, r.message.seq])).toEqual([
          [true, a.id, 1],
          [true, b.id, 1],
        ]);
      });

      it('a null clientMessageId never deduplicates', async () => {
        const ws = await makeWorkspace();
        const c = await makeConversation(ws.id);
        const first = await store.appendMessages([msg(c, 'same'), msg(c, 'same')]);
        const second = await store.appendMessages([msg(c, 'same')]);
        expect([...first, ...second].map((r) => [r.created, r.message.seq])).toEqual([
          [true, 1],
          [true, 2],
          [true, 3],
        ]);
        expect(await allMessages(c)).toHaveLength(3);
      });

      it('one batch can interleave several conversations, each numbered on its own', async () => {
        const ws = await makeWorkspace();
        const other = await makeWorkspace();
        const a = await makeConversation(ws.id);
        const b = await makeConversation(ws.id);
        const x = await makeConversation(other.id);
        await store.appendMessages([msg(b, 'b1')]);
        const results = await store.appendMessages([
          msg(a, 'a1'),
          msg(b, 'b2'),
          msg(x, 'x1'),
          msg(a, 'a2'),
          msg(b, 'b3'),
        ]);
        expect(results.map((r) => [r.message.text, r.message.seq])).toEqual([
          ['a1', 1],
          ['b2', 2],
          ['x1', 1],
          ['a2', 2],
          ['b3', 3],
        ]);
        expect((await allMessages(a)).map((m) => m.text)).toEqual(['a1', 'a2']);
        expect((await allMessages(b)).map((m) => m.text)).toEqual(['b1', 'b2', 'b3']);
        expect((await allMessages(x)).map((m) => m.text)).toEqual(['x1']);
        expect((await store.getConversation(ws.id, a.id))!.lastSeq).toBe(2);
        expect((await store.getConversation(ws.id, b.id))!.lastSeq).toBe(3);
        expect((await store.getConversation(other.id, x.id))!.lastSeq).toBe(1);
      });

      it('a batch with an unknown conversation rejects with NOT_FOUND and stores nothing of it', async () => {
        const ws = await makeWorkspace();
        const c = await makeConversation(ws.id);
        await store.appendMessages([msg(c, 'kept', 'k')]);
        const before = await store.getConversation(ws.id, c.id);

        const unknown = { id: 'cv_unknown', workspaceId: ws.id };
        const batch = [msg(c, 'lost 1', 'l1'), msg(c, 'lost 2'), msg(unknown, 'nowhere'), msg(c, 'lost 3')];
        const attempt = store.appendMessages(batch);
        await expect(attempt).rejects.toBeInstanceOf(AppError);
        await expect(attempt).rejects.toMatchObject({ code: 'NOT_FOUND' });

        expect((await allMessages(c)).map((m) => m.text)).toEqual(['kept']);
        expect(await store.getConversation(ws.id, c.id)).toEqual(before);
        // Nothing of the failed batch was stored, so its clientMessageId is still free.
        const [retry] = await store.appendMessages([msg(c, 'lost 1', 'l1')]);
        expect(retry).toMatchObject({ created: true, message: { seq: 2 } });
      });

      it("a batch naming another workspace's conversation rejects with NOT_FOUND and stores nothing", async () => {
        const ws = await makeWorkspace();
        const other = await makeWorkspace();
        const c = await makeConversation(ws.id);
        const foreign = { id: c.id, workspaceId: other.id };
        await expect(store.appendMessages([msg(c, 'mine'), msg(foreign, 'theirs')])).rejects.toMatchObject({
          code: 'NOT_FOUND',
        });
        expect(await allMessages(c)).toEqual([]);
        expect((await store.getConversation(ws.id, c.id))!.lastSeq).toBe(0);
      });

      it('listMessages returns seq > afterSeq, oldest first, up to limit', async () => {
        const ws = await makeWorkspace();
        const c = await makeConversation(ws.id);
        await store.appendMessages(Array.from({ length: 10 }, (_, i) => msg(c, `m${i + 1}`)));
        const page = await store.listMessages({
          workspaceId: ws.id,
          conversationId: c.id,
          afterSeq: 3,
          limit: 4,
        });
        expect(page.map((m) => m.seq)).toEqual([4, 5, 6, 7]);
        expect(page.map((m) => m.text)).toEqual(['m4', 'm5', 'm6', 'm7']);
        const rest = await store.listMessages({ workspaceId: ws.id, conversationId: c.id, afterSeq: 7 });
        expect(rest.map((m) => m.seq)).toEqual([8, 9, 10]);
        expect(await store.listMessages({ workspaceId: ws.id, conversationId: c.id, afterSeq: 10 })).toEqual(
          [],
        );
      });

      it('listMessages returns 100 by default and at most 1000', async () => {
        const ws = await makeWorkspace();
        const c = await makeConversation(ws.id);
        await store.appendMessages(Array.from({ length: 1001 }, (_, i) => msg(c, `m${i + 1}`)));
        const query = { workspaceId: ws.id, conversationId: c.id, afterSeq: 0 };
        const byDefault = await store.listMessages(query);
        expect(byDefault.map((m) => m.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
        expect(await store.listMessages({ ...query, limit: 5000 })).toHaveLength(1000);
        expect((await store.listMessages({ ...query, afterSeq: 1000 })).map((m) => m.seq)).toEqual([1001]);
      });

      it("listMessages returns [] for another workspace's conversation or an unknown one", async () => {
        const ws = await makeWorkspace();
        const other = await makeWorkspace();
        const c = await makeConversation(ws.id);
        await store.appendMessages([msg(c, 'private')]);
        expect(
          await store.listMessages({ workspaceId: other.id, conversationId: c.id, afterSeq: 0 }),
        ).toEqual([]);
        expect(
          await store.listMessages({ workspaceId: ws.id, conversationId: 'cv_unknown', afterSeq: 0 }),
        ).toEqual([]);
      });
    });

    describe('articles', () => {
      it('createArticle returns the stored article, updatedAt = createdAt', async () => {
        const ws = await makeWorkspace();
        const article = await makeArticle(ws.id, {
          title: '退货政策',
          body: '收到商品 7 天内可以申请退货。\n\nSecond paragraph.',
          tags: ['退货', 'returns'],
        });
        expect(article).toEqual({
          id: expect.any(String),
          workspaceId: ws.id,
          title: '退货政策',
          body: '收到商品 7 天内可以申请退货。\n\nSecond paragraph.',
          tags: ['退货', 'returns'],
          createdAt: expect.any(String),
          updatedAt: article.createdAt,
        });
        expectIso(article.createdAt);
        expect(await store.getArticle(ws.id, article.id)).toEqual(article);
        const untagged = await makeArticle(ws.id, { tags: [] });
        expect((await store.getArticle(ws.id, untagged.id))!.tags).toEqual([]);
        expect(untagged.id).not.toBe(article.id);
      });

      it('getArticle returns null for another workspace or an unknown id', async () => {
        const ws = await makeWorkspace();
        const other = await makeWorkspace();
        const article = await makeArticle(ws.id);
        expect(await store.getArticle(other.id, article.id)).toBeNull();
        expect(await store.getArticle(ws.id, 'art_unknown')).toBeNull();
      });

      it("listArticles returns the workspace's articles, newest updatedAt first", async () => {
        const ws = await makeWorkspace();
        const other = await makeWorkspace();
        clockAt('2030-01-01T00:00:01.000Z');
        const a1 = await makeArticle(ws.id, { title: 'one' });
        clockAt('2030-01-01T00:00:02.000Z');
        const a2 = await makeArticle(ws.id, { title: 'two' });
        await makeArticle(other.id, { title: 'theirs' });
        clockAt('2030-01-01T00:00:03.000Z');
        const a3 = await makeArticle(ws.id, { title: 'three' });
        expect(await store.listArticles(ws.id)).toEqual([a3, a2, a1]);

        clockAt('2030-01-01T00:00:04.000Z');
        const touched = await store.updateArticle(ws.id, a1.id, { body: 'edited' });
        expect((await store.listArticles(ws.id)).map((a) => a.id)).toEqual([a1.id, a3.id, a2.id]);
        expect((await store.listArticles(ws.id))[0]).toEqual(touched);
        expect((await store.listArticles(other.id)).map((a) => a.title)).toEqual(['theirs']);
        expect(await store.listArticles('ws_unknown')).toEqual([]);
      });

      it('listArticles breaks updatedAt ties by id, descending', async () => {
        const ws = await makeWorkspace();
        clockAt('2030-01-01T00:00:00.000Z');
        const articles = [await makeArticle(ws.id), await makeArticle(ws.id), await makeArticle(ws.id)];
        const expected = articles.map((a) => a.id).sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
        expect((await store.listArticles(ws.id)).map((a) => a.id)).toEqual(expected);
      });

      it('updateArticle changes only the given fields and bumps updatedAt, never backwards', async () => {
        const ws = await makeWorkspace();
        clockAt('2030-01-01T00:00:00.000Z');
        const article = await makeArticle(ws.id);
        clockAt('2030-01-01T00:01:00.000Z');
        const retitled = await store.updateArticle(ws.id, article.id, { title: 'Returns' });
        expect(retitled).toEqual({ ...article, title: 'Returns', updatedAt: '2030-01-01T00:01:00.000Z' });
        clockAt('2030-01-01T00:02:00.000Z');
        const rest = await store.updateArticle(ws.id, article.id, { body: 'New body', tags: [] });
        expect(rest).toEqual({
          ...article,
          title: 'Returns',
          body: 'New body',
          tags: [],
          updatedAt: '2030-01-01T00:02:00.000Z',
        });
        clockAt('2030-01-01T00:00:30.000Z');
        const late = await store.updateArticle(ws.id, article.id, { tags: ['a', 'b'] });
        expect(late).toEqual({ ...rest, tags: ['a', 'b'] });
        expect(await store.getArticle(ws.id, article.id)).toEqual(late);
        expect(late!.createdAt).toBe('2030-01-01T00:00:00.000Z');
      });

      it('updateArticle returns null and writes nothing for another workspace or an unknown id', async () => {
        const ws = await makeWorkspace();
        const other = await makeWorkspace();
        const article = await makeArticle(ws.id);
        expect(await store.updateArticle(other.id, article.id, { title: 'Pwned' })).toBeNull();
        expect(await store.updateArticle(ws.id, 'art_unknown', { title: 'x' })).toBeNull();
        expect(await store.getArticle(ws.id, article.id)).toEqual(article);
      });

      it('deleteArticle removes it once: true, then false; another workspace gets false and changes nothing', async () => {
        const ws = await makeWorkspace();
        const other = await makeWorkspace();
        const kept = await makeArticle(ws.id, { title: 'kept' });
        const doomed = await makeArticle(ws.id, { title: 'doomed' });
        expect(await store.deleteArticle(other.id, doomed.id)).toBe(false);
        expect(await store.getArticle(ws.id, doomed.id)).toEqual(doomed);
        expect(await store.deleteArticle(ws.id, doomed.id)).toBe(true);
        expect(await store.deleteArticle(ws.id, doomed.id)).toBe(false);
        expect(await store.deleteArticle(ws.id, 'art_unknown')).toBe(false);
        expect(await store.getArticle(ws.id, doomed.id)).toBeNull();
        expect(await store.updateArticle(ws.id, doomed.id, { title: 'back' })).toBeNull();
        expect(await store.listArticles(ws.id)).toEqual([kept]);
      });

      it('returned articles and inputs are copies', async () => {
        const ws = await makeWorkspace();
        const tags = ['returns'];
        const article = await makeArticle(ws.id, { tags });
        const snapshot = structuredClone(article);
        tags.push('mutated');
        article.tags.push('mutated');
        article.title = 'mutated';
        (await store.getArticle(ws.id, article.id))!.tags.push('mutated');
        (await store.listArticles(ws.id))[0]!.tags[0] = 'mutated';
        expect(await store.getArticle(ws.id, article.id)).toEqual(snapshot);

        const patchTags = ['x'];
        const updated = (await store.updateArticle(ws.id, article.id, { tags: patchTags }))!;
        patchTags.push('mutated');
        updated.tags.push('mutated');
        expect((await store.getArticle(ws.id, article.id))!.tags).toEqual(['x']);
      });
    });

    describe('widget settings', () => {
      it('a workspace starts with the default widget settings, or the given ones', async () => {
        const ws = await makeWorkspace();
        expect(ws.widget).toEqual(DEFAULT_WIDGET_SETTINGS);
        const custom = { color: '#112233', position: 'left', greeting: '你好', language: 'zh-CN' } as const;
        const other = await makeWorkspace({ widget: custom });
        expect(other.widget).toEqual(custom);
        expect((await store.getWorkspace(other.id))!.widget).toEqual(custom);
      });

      it('updateWorkspace replaces the widget settings and keeps the other fields', async () => {
        const ws = await makeWorkspace({ name: 'Acme', botEnabled: true });
        const widget = { ...DEFAULT_WIDGET_SETTINGS, color: '#abcdef', greeting: 'Hi' };
        const updated = await store.updateWorkspace(ws.id, { widget });
        expect(updated).toEqual({ ...ws, widget });
        expect(await store.getWorkspaceByWidgetKey(ws.widgetKey)).toEqual(updated);
        const renamed = await store.updateWorkspace(ws.id, { name: 'Acme 2' });
        expect(renamed!.widget).toEqual(widget);
      });
    });

    describe('verified visitors', () => {
      it('createVisitor keeps a userId; getVisitorByUserId finds it in its workspace only', async () => {
        const ws = await makeWorkspace();
        const other = await makeWorkspace();
        const visitor = await makeVisitor(ws.id, { userId: 'user-42' });
        expect(visitor.userId).toBe('user-42');
        expect(await store.getVisitorByUserId(ws.id, 'user-42')).toEqual(visitor);
        expect(await store.getVisitorByUserId(other.id, 'user-42')).toBeNull();
        expect(await store.getVisitorByUserId(ws.id, 'user-43')).toBeNull();
        // The same user id in another workspace is another user.
        const elsewhere = await makeVisitor(other.id, { userId: 'user-42' });
        expect(await store.getVisitorByUserId(other.id, 'user-42')).toEqual(elsewhere);
      });

      it('a user id is tied to one visitor per workspace: CONFLICT on create and update', async () => {
        const ws = await makeWorkspace();
        const first = await makeVisitor(ws.id, { userId: 'u1' });
        await expect(makeVisitor(ws.id, { userId: 'u1' })).rejects.toMatchObject({ code: 'CONFLICT' });
        const anonymous = await makeVisitor(ws.id);
        await expect(store.updateVisitor(ws.id, anonymous.id, { userId: 'u1' })).rejects.toMatchObject({
          code: 'CONFLICT',
        });
        expect(await store.getVisitor(ws.id, anonymous.id)).toEqual(anonymous);
        // Visitors without a user id never conflict; a visitor may keep its own id.
        await makeVisitor(ws.id);
        expect(await store.updateVisitor(ws.id, first.id, { userId: 'u1', name: 'Uma' })).toMatchObject({
          userId: 'u1',
          name: 'Uma',
        });
        const tied = await store.updateVisitor(ws.id, anonymous.id, { userId: 'u2' });
        expect(tied).toEqual({ ...anonymous, userId: 'u2' });
        expect(await store.getVisitorByUserId(ws.id, 'u2')).toEqual(tied);
      });
    });

    describe('labels and search', () => {
      it('listConversations filters by label, exactly', async () => {
        const ws = await makeWorkspace();
        const vip = await makeConversation(ws.id);
        const both = await makeConversation(ws.id);
        await makeConversation(ws.id);
        await store.updateConversation(ws.id, vip.id, { labels: ['VIP'] });
        await store.updateConversation(ws.id, both.id, { labels: ['billing', 'VIP'] });
        const ids = async (label: string) =>
          (await store.listConversations({ workspaceId: ws.id, label })).map((c) => c.id).sort();
        expect(await ids('VIP')).toEqual([vip.id, both.id].sort());
        expect(await ids('billing')).toEqual([both.id]);
        expect(await ids('vip')).toEqual([]);
        expect(await ids('VI')).toEqual([]);
        expect((await store.getConversation(ws.id, both.id))!.labels).toEqual(['billing', 'VIP']);
      });

      it('listConversations finds conversations by message text, ASCII case-insensitively, newest first', async () => {
        const ws = await makeWorkspace();
        const other = await makeWorkspace();
        clockAt('2030-01-01T00:00:01.000Z');
        const older = await makeConversation(ws.id);
        await store.appendMessages([msg(older, 'My ORDER #123 is late')]);
        clockAt('2030-01-01T00:00:02.000Z');
        const newer = await makeConversation(ws.id);
        await store.appendMessages([msg(newer, 'hello'), msg(newer, 'where is my order?')]);
        await makeConversation(ws.id).then((c) => store.appendMessages([msg(c, 'nothing to see')]));
        const theirs = await makeConversation(other.id);
        await store.appendMessages([msg(theirs, 'order')]);
        const ids = async (text: string, extra: { status?: 'bot' | 'queued' } = {}) =>
          (await store.listConversations({ workspaceId: ws.id, text, ...extra })).map((c) => c.id);
        expect(await ids('order')).toEqual([newer.id, older.id]);
        expect(await ids('Order #1')).toEqual([older.id]);
        expect(await ids('退货')).toEqual([]);
        expect(await ids('order', { status: 'queued' })).toEqual([]);
      });

      it('search text is literal: %, _ and \\ match only themselves', async () => {
        const ws = await makeWorkspace();
        const percent = await makeConversation(ws.id);
        await store.appendMessages([msg(percent, 'a 100% refund')]);
        const underscore = await makeConversation(ws.id);
        await store.appendMessages([msg(underscore, 'file_name.txt')]);
        const backslash = await makeConversation(ws.id);
        await store.appendMessages([msg(backslash, 'C:\\temp')]);
        const plain = await makeConversation(ws.id);
        await store.appendMessages([msg(plain, 'a 1000 refund, filexname, C:temp')]);
        const ids = async (text: string) =>
          (await store.listConversations({ workspaceId: ws.id, text })).map((c) => c.id);
        expect(await ids('100%')).toEqual([percent.id]);
        expect(await ids('%')).toEqual([percent.id]);
        expect(await ids('file_name')).toEqual([underscore.id]);
        expect(await ids('_')).toEqual([underscore.id]);
        expect(await ids(':\\t')).toEqual([backslash.id]);
        expect(await ids('中文')).toEqual([]);
      });

      it('search includes private notes; the filters combine', async () => {
        const ws = await makeWorkspace();
        const vi = await makeVisitor(ws.id);
        const c = await makeConversation(ws.id, { visitorId: vi.id });
        await store.appendMessages([{ ...msg(c, 'note: refund approved'), private: true }]);
        await store.updateConversation(ws.id, c.id, { labels: ['refund'] });
        const d = await makeConversation(ws.id);
        await store.appendMessages([msg(d, 'refund approved?')]);
        const list = (filter: object) =>
          store.listConversations({ workspaceId: ws.id, ...filter }).then((cs) => cs.map((x) => x.id).sort());
        expect(await list({ text: 'refund approved' })).toEqual([c.id, d.id].sort());
        expect(await list({ text: 'refund approved', label: 'refund' })).toEqual([c.id]);
        expect(await list({ text: 'refund approved', visitorId: vi.id, status: 'bot' })).toEqual([c.id]);
        expect(await list({ label: 'refund', visitorId: 'vi_other' })).toEqual([]);
      });
    });

    describe('attachments and notes in messages', () => {
      const file: Attachment = {
        id: 'att_1',
        name: 'photo.png',
        contentType: 'image/png',
        size: 123,
        url: '/api/v1/uploads/att_1/photo.png',
      };

      it('a message keeps its attachments and its private flag; others have neither key', async () => {
        const ws = await makeWorkspace();
        const c = await makeConversation(ws.id);
        const pdf = { ...file, id: 'att_2', name: 'a.pdf', contentType: 'application/pdf' };
        const [withFiles, note, plain] = await store.appendMessages([
          { ...msg(c, '', 'f1'), attachments: [file, pdf] },
          { ...msg(c, 'internal', 'n1'), private: true },
          { ...msg(c, 'plain'), attachments: [], private: false },
        ]);
        expect(withFiles!.message).toMatchObject({ seq: 1, text: '', attachments: [file, pdf] });
        expect(withFiles!.message).not.toHaveProperty('private');
        expect(note!.message).toMatchObject({ seq: 2, private: true });
        expect(note!.message).not.toHaveProperty('attachments');
        expect(plain!.message).not.toHaveProperty('attachments');
        expect(plain!.message).not.toHaveProperty('private');
        const stored = await store.listMessages({
          workspaceId: ws.id,
          conversationId: c.id,
          afterSeq: 0,
          includePrivate: true,
        });
        expect(stored).toEqual([withFiles!.message, note!.message, plain!.message]);
        const [again] = await store.appendMessages([{ ...msg(c, 'other', 'f1'), attachments: [] }]);
        expect(again).toMatchObject({ created: false, message: withFiles!.message });
      });

      it('listMessages skips notes unless includePrivate; the limit counts what is returned', async () => {
        const ws = await makeWorkspace();
        const c = await makeConversation(ws.id);
        await store.appendMessages(
          Array.from({ length: 8 }, (_, i) => ({ ...msg(c, `m${i + 1}`), private: i % 2 === 1 })),
        );
        const query = { workspaceId: ws.id, conversationId: c.id };
        expect((await store.listMessages({ ...query, afterSeq: 0 })).map((m) => m.seq)).toEqual([1, 3, 5, 7]);
        expect((await store.listMessages({ ...query, afterSeq: 1, limit: 2 })).map((m) => m.seq)).toEqual([
          3, 5,
        ]);
        expect(
          (await store.listMessages({ ...query, afterSeq: 2, limit: 3, includePrivate: true })).map(
            (m) => m.seq,
          ),
        ).toEqual([3, 4, 5]);
        expect(await store.listMessages({ ...query, afterSeq: 7 })).toEqual([]);
        expect((await store.getConversation(ws.id, c.id))!.lastSeq).toBe(8);
      });
    });

    describe('createConversationWithMessage', () => {
      it('creates the conversation with its first message and updates the visitor', async () => {
        const ws = await makeWorkspace();
        const visitor = await makeVisitor(ws.id);
        clockAt('2030-01-01T00:00:00.000Z');
        const {
          conversation,
          message,
          visitor: updated,
        } = await store.createConversationWithMessage({
          conversation: {
            workspaceId: ws.id,
            visitorId: visitor.id,
            status: 'queued',
            queuedAt: '2030-01-01T00:00:00.000Z',
          },
          message: {
            author: { type: 'visitor', id: visitor.id, name: 'Vi' },
            text: 'Call me',
            clientMessageId: null,
          },
          visitorPatch: { name: 'Vi', email: 'vi@example.com' },
        });
        expect(conversation).toMatchObject({
          workspaceId: ws.id,
          visitorId: visitor.id,
          status: 'queued',
          lastSeq: 1,
        });
        expect(message).toMatchObject({ conversationId: conversation.id, seq: 1, text: 'Call me' });
        expect(updated).toEqual({ ...visitor, name: 'Vi', email: 'vi@example.com' });
        expect(await store.getConversation(ws.id, conversation.id)).toEqual(conversation);
        expect(await allMessages(conversation)).toEqual([message]);
        expect(await store.getVisitor(ws.id, visitor.id)).toEqual(updated);
      });

      it('writes nothing for a visitor of another workspace, or when the visitor update fails', async () => {
        const ws = await makeWorkspace();
        const other = await makeWorkspace();
        const visitor = await makeVisitor(ws.id);
        await makeVisitor(ws.id, { userId: 'taken' });
        const input = {
          conversation: {
            workspaceId: other.id,
            visitorId: visitor.id,
            status: 'queued' as const,
            queuedAt: null,
          },
          message: {
            author: { type: 'visitor' as const, id: visitor.id, name: null },
            text: 'x',
            clientMessageId: null,
          },
          visitorPatch: { email: 'x@example.com' },
        };
        await expect(store.createConversationWithMessage(input)).rejects.toMatchObject({ code: 'NOT_FOUND' });
        await expect(
          store.createConversationWithMessage({
            ...input,
            conversation: { ...input.conversation, workspaceId: ws.id },
            visitorPatch: { email: 'x@example.com', userId: 'taken' },
          }),
        ).rejects.toMatchObject({ code: 'CONFLICT' });
        expect(await store.listConversations({ workspaceId: ws.id })).toEqual([]);
        expect(await store.listConversations({ workspaceId: other.id })).toEqual([]);
        expect(await store.getVisitor(ws.id, visitor.id)).toEqual(visitor);
      });
    });

    describe('attachments', () => {
      const newAttachment = (workspaceId: string, id: string) => ({
        id,
        workspaceId,
        uploader: { type: 'visitor' as const, id: 'vi_1' },
        name: 'report.pdf',
        contentType: 'application/pdf',
        size: 2048,
        url: `/api/v1/uploads/${id}/report.pdf`,
      });

      it('createAttachment stores it; getAttachment is scoped to the workspace, findAttachment is not', async () => {
        const ws = await makeWorkspace();
        const other = await makeWorkspace();
        const attachment = await store.createAttachment(newAttachment(ws.id, 'att_abc'));
        expect(attachment).toEqual({ ...newAttachment(ws.id, 'att_abc'), createdAt: expect.any(String) });
        expectIso(attachment.createdAt);
        expect(await store.getAttachment(ws.id, 'att_abc')).toEqual(attachment);
        expect(await store.getAttachment(other.id, 'att_abc')).toBeNull();
        expect(await store.getAttachment(ws.id, 'att_unknown')).toBeNull();
        expect(await store.findAttachment('att_abc')).toEqual(attachment);
        expect(await store.findAttachment('att_unknown')).toBeNull();
      });

      it('an attachment id is used once', async () => {
        const ws = await makeWorkspace();
        await store.createAttachment(newAttachment(ws.id, 'att_same'));
        await expect(store.createAttachment(newAttachment(ws.id, 'att_same'))).rejects.toMatchObject({
          code: 'CONFLICT',
        });
      });
    });

    describe('canned replies', () => {
      it('create, get, list by shortcut, scoped to the workspace', async () => {
        const ws = await makeWorkspace();
        const other = await makeWorkspace();
        const thanks = await store.createCannedReply({
          workspaceId: ws.id,
          shortcut: 'thanks',
          text: 'Thank you!',
        });
        expect(thanks).toEqual({
          id: expect.any(String),
          workspaceId: ws.id,
          shortcut: 'thanks',
          text: 'Thank you!',
          createdAt: expect.any(String),
          updatedAt: thanks.createdAt,
        });
        const hello = await store.createCannedReply({ workspaceId: ws.id, shortcut: 'hello', text: 'Hi' });
        await store.createCannedReply({ workspaceId: other.id, shortcut: 'thanks', text: 'Theirs' });
        expect(await store.getCannedReply(ws.id, thanks.id)).toEqual(thanks);
        expect(await store.getCannedReply(other.id, thanks.id)).toBeNull();
        expect(await store.listCannedReplies(ws.id)).toEqual([hello, thanks]);
        expect(await store.listCannedReplies('ws_unknown')).toEqual([]);
      });

      it('a shortcut is unique per workspace: CONFLICT on create and update', async () => {
        const ws = await makeWorkspace();
        const a = await store.createCannedReply({ workspaceId: ws.id, shortcut: 'a', text: 'A' });
        const b = await store.createCannedReply({ workspaceId: ws.id, shortcut: 'b', text: 'B' });
        await expect(
          store.createCannedReply({ workspaceId: ws.id, shortcut: 'a', text: 'again' }),
        ).rejects.toMatchObject({ code: 'CONFLICT' });
        await expect(store.updateCannedReply(ws.id, b.id, { shortcut: 'a' })).rejects.toMatchObject({
          code: 'CONFLICT',
        });
        expect(await store.listCannedReplies(ws.id)).toEqual([a, b]);
        // Keeping its own shortcut is not a conflict.
        expect(await store.updateCannedReply(ws.id, a.id, { shortcut: 'a', text: 'A2' })).toMatchObject({
          shortcut: 'a',
          text: 'A2',
        });
      });

      it('updateCannedReply changes the given fields and bumps updatedAt; deleteCannedReply removes it once', async () => {
        const ws = await makeWorkspace();
        const other = await makeWorkspace();
        clockAt('2030-01-01T00:00:00.000Z');
        const reply = await store.createCannedReply({ workspaceId: ws.id, shortcut: 'x', text: 'X' });
        clockAt('2030-01-01T00:01:00.000Z');
        const updated = await store.updateCannedReply(ws.id, reply.id, { text: 'Y' });
        expect(updated).toEqual({ ...reply, text: 'Y', updatedAt: '2030-01-01T00:01:00.000Z' });
        expect(await store.updateCannedReply(other.id, reply.id, { text: 'Z' })).toBeNull();
        expect(await store.updateCannedReply(ws.id, 'cr_unknown', { text: 'Z' })).toBeNull();
        expect(await store.deleteCannedReply(other.id, reply.id)).toBe(false);
        expect(await store.deleteCannedReply(ws.id, reply.id)).toBe(true);
        expect(await store.deleteCannedReply(ws.id, reply.id)).toBe(false);
        expect(await store.getCannedReply(ws.id, reply.id)).toBeNull();
      });
    });

    describe('webhooks', () => {
      it('create, list oldest first with secrets, delete once, scoped to the workspace', async () => {
        const ws = await makeWorkspace();
        const other = await makeWorkspace();
        clockAt('2030-01-01T00:00:00.000Z');
        const first = await store.createWebhook({
          workspaceId: ws.id,
          url: 'https://example.com/hook',
          events: ['message.created'],
          secret: 's1',
        });
        expect(first).toEqual({
          id: expect.any(String),
          workspaceId: ws.id,
          url: 'https://example.com/hook',
          events: ['message.created'],
          secret: 's1',
          createdAt: '2030-01-01T00:00:00.000Z',
        });
        clockAt('2030-01-01T00:00:01.000Z');
        const second = await store.createWebhook({
          workspaceId: ws.id,
          url: 'http://127.0.0.1:9/x',
          events: ['conversation.created', 'conversation.updated'],
          secret: 's2',
        });
        await store.createWebhook({
          workspaceId: other.id,
          url: 'https://x.test/',
          events: ['message.created'],
          secret: 's3',
        });
        expect(await store.listWebhooks(ws.id)).toEqual([first, second]);
        expect(await store.deleteWebhook(other.id, first.id)).toBe(false);
        expect(await store.deleteWebhook(ws.id, first.id)).toBe(true);
        expect(await store.deleteWebhook(ws.id, first.id)).toBe(false);
        expect(await store.listWebhooks(ws.id)).toEqual([second]);
        expect(await store.listWebhooks(other.id)).toHaveLength(1);
      });
    });

    describe('timeline and reports', () => {
      const ms = (iso: string) => Date.parse(iso);

      const botTurn = (
        c: Pick<Conversation, 'id' | 'workspaceId'>,
        over: Partial<BotTurn> = {},
      ): BotTurn => ({
        workspaceId: c.workspaceId,
        conversationId: c.id,
        questionSeq: 1,
        answerSeq: 2,
        outcome: 'llm',
        cache: 'miss',
        articles: [
          { articleId: 'art_1', title: 'How to return an item', score: 0.8125 },
          { articleId: 'art_2', title: '退货政策', score: 0.4 },
        ],
        model: {
          provider: 'primary',
          model: 'gpt-4o-mini',
          firstTokenMs: 212,
          totalMs: 1830,
          promptTokens: 812,
          completionTokens: 95,
          tokensEstimated: false,
          costUsd: 0.000179,
          complete: true,
        },
        failedProviders: [
          { provider: 'fast', reason: 'no first token in 300 ms' },
          { provider: 'backup', reason: 'server 500: "oops"' },
        ],
        handedOff: false,
        startedAt: '2030-01-01T00:00:01.250Z',
        durationMs: 1875,
        ...over,
      });

      it('the timeline has every message oldest first, notes included, with receivedAt; null when unknown', async () => {
        const ws = await makeWorkspace();
        const c = await makeConversation(ws.id);
        clockAt('2030-01-01T00:00:05.000Z');
        const agent = { type: 'agent', id: 'ag_1', name: 'Ann' } as const;
        const [question, note, plain] = await store.appendMessages([
          { ...msg(c, 'where is my order?', 'q'), receivedAt: ms('2030-01-01T00:00:04.990Z') },
          {
            ...msg(c, 'VIP customer'),
            author: agent,
            private: true,
            receivedAt: ms('2030-01-01T00:00:04.995Z'),
          },
          { ...msg(c, 'no receipt time'), author: agent },
        ]);
        expect(question!.message).not.toHaveProperty('receivedAt');
        // A retried clientMessageId keeps the first receivedAt.
        await store.appendMessages([
          { ...msg(c, 'where is my order?', 'q'), receivedAt: ms('2030-01-01T00:00:09Z') },
        ]);

        expect(await store.conversationTimeline(ws.id, c.id)).toEqual({
          messages: [
            {
              seq: 1,
              messageId: question!.message.id,
              author: { type: 'visitor', id: null, name: null },
              private: false,
              receivedAt: '2030-01-01T00:00:04.990Z',
              storedAt: '2030-01-01T00:00:05.000Z',
              deliveredAt: null,
            },
            {
              seq: 2,
              messageId: note!.message.id,
              author: agent,
              private: true,
              receivedAt: '2030-01-01T00:00:04.995Z',
              storedAt: '2030-01-01T00:00:05.000Z',
              deliveredAt: null,
            },
            {
              seq: 3,
              messageId: plain!.message.id,
              author: agent,
              private: false,
              receivedAt: null,
              storedAt: '2030-01-01T00:00:05.000Z',
              deliveredAt: null,
            },
          ],
          botTurns: [],
        });
        // The messages themselves do not change.
        expect(
          await store.listMessages({
            workspaceId: ws.id,
            conversationId: c.id,
            afterSeq: 0,
            includePrivate: true,
          }),
        ).toEqual([question!.message, note!.message, plain!.message]);
      });

      it('an empty conversation has an empty timeline; another workspace or an unknown one, null', async () => {
        const ws = await makeWorkspace();
        const other = await makeWorkspace();
        const c = await makeConversation(ws.id);
        await store.appendMessages([msg(c, 'hello')]);
        await store.recordBotTurn(botTurn(c));
        const empty = await makeConversation(ws.id);
        expect(await store.conversationTimeline(ws.id, empty.id)).toEqual({ messages: [], botTurns: [] });
        expect(await store.conversationTimeline(other.id, c.id)).toBeNull();
        expect(await store.conversationTimeline(ws.id, 'cv_unknown')).toBeNull();
      });

      it('markDelivered sets a delivery time once: later deliveries, in the batch or after, do not move it', async () => {
        const ws = await makeWorkspace();
        const c = await makeConversation(ws.id);
        await store.appendMessages([msg(c, 'one'), msg(c, 'two'), msg(c, 'three')]);
        await store.markDelivered([
          { conversationId: c.id, seq: 1, at: ms('2030-01-01T00:00:01Z') },
          { conversationId: c.id, seq: 2, at: ms('2030-01-01T00:00:02Z') },
          { conversationId: c.id, seq: 2, at: ms('2030-01-01T00:00:03Z') },
        ]);
        await store.markDelivered([
          { conversationId: c.id, seq: 1, at: ms('2030-01-01T00:00:09Z') },
          { conversationId: c.id, seq: 3, at: ms('2030-01-01T00:00:10Z') },
        ]);
        // Another node reporting an earlier time after the first one was written: still the first.
        await store.markDelivered([{ conversationId: c.id, seq: 3, at: ms('2030-01-01T00:00:00Z') }]);
        await store.markDelivered([]);
        const timeline = await store.conversationTimeline(ws.id, c.id);
        expect(timeline!.messages.map((m) => [m.seq, m.deliveredAt])).toEqual([
          [1, '2030-01-01T00:00:01.000Z'],
          [2, '2030-01-01T00:00:02.000Z'],
          [3, '2030-01-01T00:00:10.000Z'],
        ]);
      });

      it('markDelivered ignores unknown conversations and seqs without failing the batch', async () => {
        const ws = await makeWorkspace();
        const c = await makeConversation(ws.id);
        const empty = await makeConversation(ws.id);
        await store.appendMessages([msg(c, 'one'), msg(c, 'two')]);
        const at = ms('2030-01-01T00:00:01Z');
        await expect(
          store.markDelivered([
            { conversationId: 'cv_unknown', seq: 1, at },
            { conversationId: c.id, seq: 3, at },
            { conversationId: c.id, seq: 0, at },
            { conversationId: empty.id, seq: 1, at },
            { conversationId: c.id, seq: 2, at },
          ]),
        ).resolves.toBeUndefined();
        const timeline = await store.conversationTimeline(ws.id, c.id);
        expect(timeline!.messages.map((m) => m.deliveredAt)).toEqual([null, '2030-01-01T00:00:01.000Z']);
        expect(await store.conversationTimeline(ws.id, empty.id)).toEqual({ messages: [], botTurns: [] });
      });

      it('markDelivered takes one batch of many messages across conversations', async () => {
        const ws = await makeWorkspace();
        const a = await makeConversation(ws.id);
        const b = await makeConversation(ws.id);
        await store.appendMessages(Array.from({ length: 1200 }, (_, i) => msg(i % 3 === 0 ? b : a, `m${i}`)));
        const base = ms('2030-01-01T00:00:00Z');
        // a: seq 1..800, b: seq 1..400; all but a's last message, newest first.
        const deliveries = [
          ...Array.from({ length: 799 }, (_, i) => ({ conversationId: a.id, seq: i + 1, at: base + i })),
          ...Array.from({ length: 400 }, (_, i) => ({
            conversationId: b.id,
            seq: i + 1,
            at: base + 1000 + i,
          })),
        ].reverse();
        await store.markDelivered(deliveries);
        const timelineA = await store.conversationTimeline(ws.id, a.id);
        const timelineB = await store.conversationTimeline(ws.id, b.id);
        expect(timelineA!.messages.map((m) => m.deliveredAt)).toEqual([
          ...Array.from({ length: 799 }, (_, i) => new Date(base + i).toISOString()),
          null,
        ]);
        expect(timelineB!.messages.map((m) => m.deliveredAt)).toEqual(
          Array.from({ length: 400 }, (_, i) => new Date(base + 1000 + i).toISOString()),
        );
      });

      it('recordBotTurn keeps every field of a turn, with and without a model call', async () => {
        const ws = await makeWorkspace();
        const c = await makeConversation(ws.id);
        const withModel = botTurn(c);
        const withoutModel = botTurn(c, {
          questionSeq: 3,
          answerSeq: null,
          outcome: 'handoff',
          cache: null,
          articles: [],
          model: null,
          failedProviders: [],
          handedOff: true,
          startedAt: '2030-01-01T00:01:00.000Z',
          durationMs: 0,
        });
        const cached = botTurn(c, {
          questionSeq: 5,
          answerSeq: 6,
          outcome: 'cache',
          cache: 'semantic',
          model: null,
          failedProviders: [{ provider: 'primary', reason: 'circuit open' }],
          startedAt: '2030-01-01T00:02:00.000Z',
          durationMs: 12,
        });
        const cutOff = botTurn(c, {
          questionSeq: 7,
          answerSeq: 8,
          outcome: 'interrupted',
          cache: 'exact',
          articles: [{ articleId: 'art_9', title: 'Shipping', score: 1 }],
          model: {
            provider: 'backup',
            model: 'llama-3.1-8b',
            firstTokenMs: null,
            totalMs: 301,
            promptTokens: 0,
            completionTokens: 0,
            tokensEstimated: true,
            costUsd: 0,
            complete: false,
          },
          startedAt: '2030-01-01T00:03:00.000Z',
        });
        const input = structuredClone([withModel, withoutModel, cached, cutOff]);
        for (const turn of input) await store.recordBotTurn(turn);
        // What was passed in may change afterwards without changing what was kept.
        input[0]!.articles[0]!.title = 'mutated';
        input[0]!.model!.costUsd = 99;
        const timeline = await store.conversationTimeline(ws.id, c.id);
        expect(timeline!.botTurns).toEqual([withModel, withoutModel, cached, cutOff]);
        // So may what was returned.
        timeline!.botTurns[0]!.failedProviders.pop();
        timeline!.messages.push(timeline!.messages[0]!);
        expect(await store.conversationTimeline(ws.id, c.id)).toEqual({
          messages: [],
          botTurns: [withModel, withoutModel, cached, cutOff],
        });
      });

      it('bot turns list by questionSeq, then startedAt; only the conversation’s', async () => {
        const ws = await makeWorkspace();
        const c = await makeConversation(ws.id);
        const d = await makeConversation(ws.id);
        const late = botTurn(c, { questionSeq: 3, startedAt: '2030-01-01T00:00:09.000Z' });
        const first = botTurn(c, { questionSeq: 1, startedAt: '2030-01-01T00:00:10.000Z' });
        const early = botTurn(c, { questionSeq: 3, startedAt: '2030-01-01T00:00:05.000Z' });
        const elsewhere = botTurn(d, { questionSeq: 2 });
        for (const turn of [late, first, elsewhere, early]) await store.recordBotTurn(turn);
        expect((await store.conversationTimeline(ws.id, c.id))!.botTurns).toEqual([first, early, late]);
        expect((await store.conversationTimeline(ws.id, d.id))!.botTurns).toEqual([elsewhere]);
      });

      it("recordBotTurn for another workspace's conversation or an unknown one throws NOT_FOUND", async () => {
        const ws = await makeWorkspace();
        const other = await makeWorkspace();
        const c = await makeConversation(ws.id);
        await expect(store.recordBotTurn(botTurn({ id: c.id, workspaceId: other.id }))).rejects.toMatchObject(
          {
            code: 'NOT_FOUND',
          },
        );
        await expect(
          store.recordBotTurn(botTurn({ id: 'cv_unknown', workspaceId: ws.id })),
        ).rejects.toMatchObject({
          code: 'NOT_FOUND',
        });
        expect((await store.conversationTimeline(ws.id, c.id))!.botTurns).toEqual([]);
        expect(
          await store.reportRows(other.id, '2000-01-01T00:00:00.000Z', '2100-01-01T00:00:00.000Z'),
        ).toEqual({
          conversations: [],
          botTurns: [],
        });
      });

      it('reportRows: conversations created and bot turns started in [from, to), of the workspace only', async () => {
        const ws = await makeWorkspace();
        const other = await makeWorkspace();
        const agent = await makeAgent(ws.id);
        const from = '2030-01-01T00:00:00.000Z';
        const to = '2030-01-02T00:00:00.000Z';

        clockAt('2029-12-31T23:59:59.999Z');
        const before = await makeConversation(ws.id);
        clockAt(from);
        const atFrom = await makeConversation(ws.id, { status: 'queued', queuedAt: from });
        clockAt('2030-01-01T12:00:00.000Z');
        const inside = await makeConversation(ws.id);
        await makeConversation(other.id);
        clockAt('2030-01-01T13:00:00.000Z');
        const handled = (await store.updateConversation(ws.id, inside.id, {
          status: 'resolved',
          assigneeId: agent.id,
          queuedAt: '2030-01-01T12:00:01.000Z',
          firstResponseAt: '2030-01-01T12:00:30.000Z',
          resolvedAt: '2030-01-01T13:00:00.000Z',
          rating: { score: 5, comment: 'great' },
          labels: ['billing'],
        }))!;
        clockAt('2030-01-01T23:59:59.999Z');
        const beforeTo = await makeConversation(ws.id);
        clockAt(to);
        const atTo = await makeConversation(ws.id);

        const turns = [
          botTurn(before, { startedAt: '2029-12-31T23:59:59.999Z' }),
          botTurn(before, {
            questionSeq: 2,
            startedAt: from,
            handedOff: true,
            outcome: 'no-answer',
            model: null,
          }),
          botTurn(inside, { startedAt: '2030-01-01T12:00:00.500Z' }),
          botTurn(atTo, { startedAt: to }),
          botTurn(beforeTo, { startedAt: '2030-01-01T23:59:59.999Z', outcome: 'error', model: null }),
        ];
        for (const turn of turns) await store.recordBotTurn(turn);
        const foreign = await makeConversation(other.id);
        await store.recordBotTurn(botTurn(foreign, { startedAt: '2030-01-01T06:00:00.000Z' }));

        const row = (c: Conversation) => ({
          id: c.id,
          status: c.status,
          assigneeId: c.assigneeId,
          createdAt: c.createdAt,
          queuedAt: c.queuedAt,
          firstResponseAt: c.firstResponseAt,
          resolvedAt: c.resolvedAt,
          rating: c.rating,
        });
        expect(await store.reportRows(ws.id, from, to)).toEqual({
          conversations: [row(atFrom), row(handled), row(beforeTo)],
          botTurns: [
            { conversationId: before.id, outcome: 'no-answer', startedAt: from, handedOff: true, costUsd: 0 },
            {
              conversationId: inside.id,
              outcome: 'llm',
              startedAt: '2030-01-01T12:00:00.500Z',
              handedOff: false,
              costUsd: 0.000179,
            },
            {
              conversationId: beforeTo.id,
              outcome: 'error',
              startedAt: '2030-01-01T23:59:59.999Z',
              handedOff: false,
              costUsd: 0,
            },
          ],
        });
        expect(row(handled)).toMatchObject({
          status: 'resolved',
          assigneeId: agent.id,
          rating: { score: 5 },
        });
        expect(await store.reportRows(ws.id, from, from)).toEqual({ conversations: [], botTurns: [] });
        expect(await store.reportRows('ws_unknown', from, to)).toEqual({ conversations: [], botTurns: [] });
      });
    });

    describe('returned objects are copies', () => {
      it('mutating a returned object or an input does not change stored state', async () => {
        const ws = await makeWorkspace();
        const agent = await makeAgent(ws.id);
        const attributes = { plan: 'pro' };
        const visitor = await makeVisitor(ws.id, { attributes });
        const c = await makeConversation(ws.id, { visitorId: visitor.id });
        const rated = (await store.updateConversation(ws.id, c.id, { rating: { score: 4, comment: 'ok' } }))!;
        const [appended] = await store.appendMessages([msg(c, 'hello', 'cm')]);
        const snapshot = structuredClone({ ws, agent, visitor, rated, message: appended!.message });

        ws.name = 'mutated';
        agent.email = 'mutated@example.com';
        attributes.plan = 'mutated';
        visitor.attributes.plan = 'mutated';
        rated.rating!.score = 1;
        rated.lastSeq = 99;
        appended!.message.author.name = 'mutated';
        appended!.message.text = 'mutated';
        (await store.getWorkspace(ws.id))!.name = 'mutated';
        (await store.getVisitor(ws.id, visitor.id))!.attributes.plan = 'mutated';
        (await store.listConversations({ workspaceId: ws.id }))[0]!.rating!.comment = 'mutated';
        (await store.listQueued()).forEach((q) => {
          q.status = 'resolved';
        });
        (await allMessages(c))[0]!.author.type = 'bot';
        (await store.listAgents(ws.id))[0]!.name = 'mutated';

        expect(await store.getWorkspace(ws.id)).toEqual(snapshot.ws);
        expect(await store.getAgent(ws.id, agent.id)).toEqual(snapshot.agent);
        expect(await store.getAgentByEmail(snapshot.agent.email)).toEqual(snapshot.agent);
        expect(await store.getVisitor(ws.id, visitor.id)).toEqual(snapshot.visitor);
        expect(await store.getConversation(ws.id, c.id)).toEqual({
          ...snapshot.rated,
          lastSeq: 1,
          updatedAt: expect.any(String),
        });
        expect(await allMessages(c)).toEqual([snapshot.message]);
      });
    });
  });
}

/**
 * After a version-4 database was upgraded: conversation `cv_1` of workspace `ws_1` (created at
 * 1000 ms) holds `msg_1` (visitor `vi_1`, 1000 ms) and the note `msg_2` (agent `ag_1`, 2000 ms),
 * stored before timings were kept. They read with null timings; deliveries, bot turns and the
 * report rows then work on them.
 */
export async function expectTimingsAfterUpgrade(store: Store): Promise<void> {
  const timing = (seq: number, deliveredAt: string | null) => ({
    seq,
    messageId: `msg_${seq}`,
    author:
      seq === 1 ? { type: 'visitor', id: 'vi_1', name: null } : { type: 'agent', id: 'ag_1', name: null },
    private: seq === 2,
    receivedAt: null,
    storedAt: new Date(seq * 1000).toISOString(),
    deliveredAt,
  });
  expect(await store.conversationTimeline('ws_1', 'cv_1')).toEqual({
    messages: [timing(1, null), timing(2, null)],
    botTurns: [],
  });
  await store.markDelivered([{ conversationId: 'cv_1', seq: 1, at: 1500 }]);
  const turn = {
    workspaceId: 'ws_1',
    conversationId: 'cv_1',
    questionSeq: 1,
    answerSeq: null,
    outcome: 'no-answer' as const,
    cache: 'miss' as const,
    articles: [],
    model: null,
    failedProviders: [],
    handedOff: true,
    startedAt: new Date(1100).toISOString(),
    durationMs: 40,
  };
  await store.recordBotTurn(turn);
  expect(await store.conversationTimeline('ws_1', 'cv_1')).toEqual({
    messages: [timing(1, new Date(1500).toISOString()), timing(2, null)],
    botTurns: [turn],
  });
  expect(await store.reportRows('ws_1', new Date(0).toISOString(), new Date(5000).toISOString())).toEqual({
    conversations: [
      {
        id: 'cv_1',
        status: 'bot',
        assigneeId: null,
        createdAt: new Date(1000).toISOString(),
        queuedAt: null,
        firstResponseAt: null,
        resolvedAt: null,
        rating: null,
      },
    ],
    botTurns: [
      {
        conversationId: 'cv_1',
        outcome: 'no-answer',
        startedAt: turn.startedAt,
        handedOff: true,
        costUsd: 0,
      },
    ],
  });
}

/** A workspace with one anonymous visitor and one conversation of theirs, for tests outside the contract. */
export async function seedConversation(
  store: Store,
  conversation: Pick<NewConversation, 'status'> & Partial<NewConversation> = { status: 'bot' },
) {
  const workspace = await store.createWorkspace({
    name: 'Acme',
    widgetKey: `wk_${Math.random().toString(36).slice(2)}`,
    botEnabled: false,
  });
  const visitor = await store.createVisitor({
    workspaceId: workspace.id,
    name: null,
    email: null,
    attributes: {},
    pageUrl: null,
    ip: null,
  });
  const created = await store.createConversation({
    workspaceId: workspace.id,
    visitorId: visitor.id,
    queuedAt: null,
    ...conversation,
  });
  return { workspace, visitor, conversation: created };
}
