import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { AppError } from '../../errors.ts';
import { bearer, type HttpDeps } from '../http-server.ts';
import { IdParams } from '../schemas.ts';

const Assist = Type.Object({
  text: Type.String(),
  source: Type.Union([
    Type.Literal('model'),
    Type.Literal('knowledge'),
    Type.Literal('extract'),
    Type.Literal('none'),
  ]),
});

/** Help for agents: a draft reply and a summary of a conversation. */
export const assistRoutes: FastifyPluginAsyncTypebox<HttpDeps> = async (
  app,
  { accounts, conversations, assist },
) => {
  const auth = bearer(accounts);
  const schema = (response: ReturnType<typeof Type.Object>) => ({
    tags: ['agent assist'],
    security: [{ bearer: [] }],
    params: IdParams,
    response: { 200: response },
  });

  const forAgent = async (request: Parameters<typeof auth>[0], id: string) => {
    const principal = await auth(request);
    if (principal.type !== 'agent') throw new AppError('FORBIDDEN', 'agents only');
    const conversation = await conversations.get(principal, id);
    const { workspace } = await accounts.me(principal);
    return { conversation, workspace };
  };

  app.post(
    '/conversations/:id/suggested-reply',
    { schema: schema(Type.Object({ suggestion: Assist })) },
    async (request) => {
      const { workspace, conversation } = await forAgent(request, request.params.id);
      return { suggestion: await assist.suggestReply(workspace, conversation) };
    },
  );

  app.post(
    '/conversations/:id/summary',
    { schema: schema(Type.Object({ summary: Assist })) },
    async (request) => {
      const { workspace, conversation } = await forAgent(request, request.params.id);
      return { summary: await assist.summarize(workspace, conversation) };
    },
  );
};
