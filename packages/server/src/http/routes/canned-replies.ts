import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { bearer, type HttpDeps } from '../http-server.ts';
import {
  CannedRepliesResponse,
  CannedReplyBody,
  CannedReplyPatchBody,
  CannedReplyResponse,
  IdParams,
} from '../schemas.ts';

/** Canned replies: agents read, admins write. A shortcut is unique in the workspace (409). */
export const cannedReplyRoutes: FastifyPluginAsyncTypebox<HttpDeps> = async (
  app,
  { accounts, cannedReplies },
) => {
  const auth = bearer(accounts);
  const tags = ['canned replies'];
  const security = [{ bearer: [] }];

  app.get(
    '/canned-replies',
    {
      schema: {
        tags,
        security,
        summary: "The workspace's canned replies, by shortcut",
        response: { 200: CannedRepliesResponse },
      },
    },
    async (request) => ({ cannedReplies: await cannedReplies.list(await auth(request)) }),
  );

  app.post(
    '/canned-replies',
    {
      schema: {
        tags,
        security,
        summary: 'Create a canned reply (admin)',
        body: CannedReplyBody,
        response: { 201: CannedReplyResponse },
      },
    },
    async (request, reply) => {
      const cannedReply = await cannedReplies.create(await auth(request), request.body);
      reply.code(201);
      return { cannedReply };
    },
  );

  app.patch(
    '/canned-replies/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Change the shortcut or text of a canned reply (admin)',
        params: IdParams,
        body: CannedReplyPatchBody,
        response: { 200: CannedReplyResponse },
      },
    },
    async (request) => ({
      cannedReply: await cannedReplies.update(await auth(request), request.params.id, request.body),
    }),
  );

  app.delete(
    '/canned-replies/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Delete a canned reply (admin)',
        params: IdParams,
        response: { 204: Type.Null({ description: 'Deleted' }) },
      },
    },
    async (request, reply) => {
      await cannedReplies.delete(await auth(request), request.params.id);
      reply.code(204);
      return null;
    },
  );
};
