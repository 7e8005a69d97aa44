import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { bearer, type HttpDeps } from '../http-server.ts';
import { IdParams, WebhookBody, WebhookCreatedResponse, WebhooksResponse } from '../schemas.ts';

/**
 * Webhooks (admins). Deliveries: `POST <url>` with `{id, type, createdAt, data}` and
 * `X-Unique-Support-Signature: sha256=<hex HMAC-SHA256 of the raw body with the secret>`.
 */
export const webhookRoutes: FastifyPluginAsyncTypebox<HttpDeps> = async (app, { accounts, webhooks }) => {
  const auth = bearer(accounts);
  const tags = ['webhooks'];
  const security = [{ bearer: [] }];

  app.get(
    '/webhooks',
    {
      schema: {
        tags,
        security,
        summary: "The workspace's webhooks (admin), oldest first, without their secrets",
        response: { 200: WebhooksResponse },
      },
    },
    async (request) => ({ webhooks: await webhooks.list(await auth(request)) }),
  );

  app.post(
    '/webhooks',
    {
      schema: {
        tags,
        security,
        summary:
          'Add a webhook (admin). Events are POSTed as {id, type, createdAt, data}, signed in X-Unique-Support-Signature (sha256=<hex HMAC of the raw body with the secret>), 5 s timeout, 3 retries with backoff. The secret is in this answer only.',
        body: WebhookBody,
        response: { 201: WebhookCreatedResponse },
      },
    },
    async (request, reply) => {
      const webhook = await webhooks.create(await auth(request), request.body);
      reply.code(201).header('cache-control', 'no-store');
      return { webhook };
    },
  );

  app.delete(
    '/webhooks/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Delete a webhook (admin)',
        params: IdParams,
        response: { 204: Type.Null({ description: 'Deleted' }) },
      },
    },
    async (request, reply) => {
      await webhooks.delete(await auth(request), request.params.id);
      reply.code(204);
      return null;
    },
  );
};
