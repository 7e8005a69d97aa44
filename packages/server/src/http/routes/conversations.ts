import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { bearer, type HttpDeps } from '../http-server.ts';
import {
  AssignBody,
  ConversationQuery,
  ConversationResponse,
  ConversationsResponse,
  IdParams,
  LabelsBody,
  MessageBody,
  MessageQuery,
  MessageResponse,
  MessagesResponse,
  RatingBody,
  TimelineResponse,
} from '../schemas.ts';

export const conversationRoutes: FastifyPluginAsyncTypebox<HttpDeps> = async (
  app,
  { accounts, conversations },
) => {
  const auth = bearer(accounts);
  const tags = ['conversations'];
  const security = [{ bearer: [] }];

  app.post(
    '/conversations',
    { schema: { tags, security, response: { 201: ConversationResponse } } },
    async (request, reply) => {
      const principal = await auth(request);
      const conversation = await conversations.create(principal);
      reply.code(201);
      return { conversation: conversations.viewFor(principal, conversation) };
    },
  );

  app.get(
    '/conversations',
    {
      schema: {
        tags,
        security,
        summary: 'Conversations of the workspace (agents), newest activity first; the filters combine',
        querystring: ConversationQuery,
        response: { 200: ConversationsResponse },
      },
    },
    async (request) => ({ conversations: await conversations.list(await auth(request), request.query) }),
  );

  app.get(
    '/conversations/:id',
    { schema: { tags, security, params: IdParams, response: { 200: ConversationResponse } } },
    async (request) => {
      const principal = await auth(request);
      return {
        conversation: conversations.viewFor(principal, await conversations.get(principal, request.params.id)),
      };
    },
  );

  app.get(
    '/conversations/:id/timeline',
    {
      schema: {
        tags,
        security,
        summary:
          "Each message's path (received, stored, first delivered) and what each bot turn did: cache, articles, provider, first token, fallback, handoff (agents)",
        params: IdParams,
        response: { 200: TimelineResponse },
      },
    },
    async (request) => ({ timeline: await conversations.timeline(await auth(request), request.params.id) }),
  );

  app.put(
    '/conversations/:id/labels',
    {
      schema: {
        tags,
        security,
        summary: 'Replace the labels of a conversation (agents)',
        params: IdParams,
        body: LabelsBody,
        response: { 200: ConversationResponse },
      },
    },
    async (request) => ({
      conversation: await conversations.setLabels(
        await auth(request),
        request.params.id,
        request.body.labels,
      ),
    }),
  );

  app.get(
    '/conversations/:id/messages',
    {
      schema: {
        tags,
        security,
        summary: 'Stored messages, oldest first; visitors get no private notes (so gaps in seq)',
        params: IdParams,
        querystring: MessageQuery,
        response: { 200: MessagesResponse },
      },
    },
    async (request) => {
      const { afterSeq = 0, limit } = request.query;
      return {
        messages: await conversations.messages(await auth(request), request.params.id, afterSeq, limit),
      };
    },
  );

  app.post(
    '/conversations/:id/messages',
    {
      schema: {
        tags,
        security,
        params: IdParams,
        body: MessageBody,
        response: { 200: MessageResponse, 201: MessageResponse },
      },
    },
    async (request, reply) => {
      const principal = await auth(request);
      const conversation = await conversations.get(principal, request.params.id);
      const { text, clientMessageId, attachments, private: isPrivate } = request.body;
      const { message, created } = await conversations.send(
        principal,
        conversation,
        text,
        clientMessageId ?? null,
        { ...(attachments && { attachments }), ...(isPrivate !== undefined && { private: isPrivate }) },
      );
      reply.code(created ? 201 : 200);
      return { message };
    },
  );

  app.post(
    '/conversations/:id/handoff',
    { schema: { tags, security, params: IdParams, response: { 200: ConversationResponse } } },
    async (request) => {
      const principal = await auth(request);
      return {
        conversation: conversations.viewFor(
          principal,
          await conversations.handoff(principal, request.params.id),
        ),
      };
    },
  );

  app.post(
    '/conversations/:id/assign',
    {
      schema: { tags, security, params: IdParams, body: AssignBody, response: { 200: ConversationResponse } },
    },
    async (request) => ({
      conversation: await conversations.assign(await auth(request), request.params.id, request.body.agentId),
    }),
  );

  app.post(
    '/conversations/:id/resolve',
    { schema: { tags, security, params: IdParams, response: { 200: ConversationResponse } } },
    async (request) => ({
      conversation: await conversations.resolve(await auth(request), request.params.id),
    }),
  );

  app.post(
    '/conversations/:id/rating',
    {
      schema: { tags, security, params: IdParams, body: RatingBody, response: { 200: ConversationResponse } },
    },
    async (request) => {
      const { score, comment } = request.body;
      const principal = await auth(request);
      const conversation = await conversations.rate(principal, request.params.id, score, comment ?? null);
      return { conversation: conversations.viewFor(principal, conversation) };
    },
  );
};
