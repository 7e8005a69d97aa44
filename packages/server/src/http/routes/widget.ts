import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { bearer, type HttpDeps } from '../http-server.ts';
import {
  ConversationResponse,
  OfflineMessageBody,
  WidgetConfigQuery,
  WidgetConfigResponse,
} from '../schemas.ts';

/** What the widget reads before a session, and the offline message form. */
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
