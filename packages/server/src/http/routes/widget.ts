import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { bearer, type HttpDeps } from '../http-server.ts';
import {
  ConversationResponse,
  ConversationsResponse,
  OfflineMessageBody,
  WidgetConfigQuery,
  WidgetConfigResponse,
} from '../schemas.ts';

/** What the widget reads before a session, the visitor's own conversations, and the offline message form. */
export const widgetRoutes: FastifyPluginAsyncTypebox<HttpDeps> = async (app, { accounts, conversations }) => {
  const auth = bearer(accounts);
  const tags = ['widget'];

  app.get(
    '/widget/config',
    {
      schema: {
        tags,
        summary: "The widget's look, whether the bot answers and whether an agent is online (public)",
        querystring: WidgetConfigQuery,
        response: { 200: WidgetConfigResponse },
      },
    },
    async (request, reply) => {
      const { workspace, agentsOnline } = await accounts.widgetConfig(request.query.widgetKey);
      reply.header('cache-control', 'no-cache');
      return {
        name: workspace.name,
        widget: workspace.widget,
        botEnabled: conversations.botAnswers(workspace),
        agentsOnline,
      };
    },
  );

  app.get(
    '/widget/conversations',
    {
      schema: {
        tags,
        summary:
          "The visitor's own conversations, newest activity first, at most 20 (visitor): what the widget resumes on a new device",
        security: [{ bearer: [] }],
        response: { 200: ConversationsResponse },
      },
    },
    async (request) => {
      const principal = await auth(request);
      return { conversations: await conversations.listOwn(principal) };
    },
  );

  app.post(
    '/widget/offline-message',
    {
      schema: {
        tags,
        summary:
          "Leave a message when no agent is online (visitor): stores the visitor's e-mail and name and a queued conversation with the message, all or nothing",
        security: [{ bearer: [] }],
        body: OfflineMessageBody,
        response: { 201: ConversationResponse },
      },
    },
    async (request, reply) => {
      const principal = await auth(request);
      const conversation = await conversations.createOffline(principal, request.body);
      reply.code(201);
      return { conversation: conversations.viewFor(principal, conversation) };
    },
  );
};
