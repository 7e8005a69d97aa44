import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { bearer, type HttpDeps } from '../http-server.ts';
import {
  ArticleBody,
  ArticlePatchBody,
  ArticleResponse,
  ArticlesResponse,
  IdParams,
  KnowledgeSearchQuery,
  KnowledgeSearchResponse,
} from '../schemas.ts';

/** Knowledge base: agents read and search, admins write. */
export const knowledgeRoutes: FastifyPluginAsyncTypebox<HttpDeps> = async (app, { accounts, knowledge }) => {
  const auth = bearer(accounts);
  const tags = ['knowledge base'];
  const security = [{ bearer: [] }];

  app.get(
    '/kb/articles',
    {
      schema: {
        tags,
        security,
        summary: "The workspace's articles, newest update first",
        response: { 200: ArticlesResponse },
      },
    },
    async (request) => ({ articles: await knowledge.list(await auth(request)) }),
  );

  app.post(
    '/kb/articles',
    {
      schema: {
        tags,
        security,
        summary: 'Create an article (admin)',
        body: ArticleBody,
        response: { 201: ArticleResponse },
      },
    },
    async (request, reply) => {
      const article = await knowledge.create(await auth(request), request.body);
      reply.code(201);
      return { article };
    },
  );

  app.get(
    '/kb/articles/:id',
    { schema: { tags, security, params: IdParams, response: { 200: ArticleResponse } } },
    async (request) => ({ article: await knowledge.get(await auth(request), request.params.id) }),
  );

  app.patch(
    '/kb/articles/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Change the title, body or tags of an article (admin)',
        params: IdParams,
        body: ArticlePatchBody,
        response: { 200: ArticleResponse },
      },
    },
    async (request) => ({
      article: await knowledge.update(await auth(request), request.params.id, request.body),
    }),
  );

  app.delete(
    '/kb/articles/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Delete an article (admin)',
        params: IdParams,
        response: { 204: Type.Null({ description: 'Deleted' }) },
      },
    },
    async (request, reply) => {
      await knowledge.delete(await auth(request), request.params.id);
      reply.code(204);
      return null;
    },
  );

  app.get(
    '/kb/search',
    {
      schema: {
        tags,
        security,
        summary: 'The best passages of the knowledge base for a question (one per article, best first)',
        querystring: KnowledgeSearchQuery,
        response: { 200: KnowledgeSearchResponse },
      },
    },
    async (request) => {
      const { q, limit } = request.query;
      return { results: await knowledge.search(await auth(request), q, limit) };
    },
  );
};
