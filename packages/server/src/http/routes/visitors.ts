import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { bearer, type HttpDeps } from '../http-server.ts';
import { IdParams, VisitorResponse } from '../schemas.ts';

/** The visitor panel of the console. */
export const visitorRoutes: FastifyPluginAsyncTypebox<HttpDeps> = async (app, { accounts }) => {
  const auth = bearer(accounts);

  app.get(
    '/visitors/:id',
    {
      schema: {
        tags: ['visitors'],
        summary:
          'A visitor of the workspace (agents): name, e-mail, attributes, page, IP, verified user id. Their conversations: GET /conversations?visitorId=',
        security: [{ bearer: [] }],
        params: IdParams,
        response: { 200: VisitorResponse },
      },
    },
    async (request) => ({ visitor: await accounts.getVisitor(await auth(request), request.params.id) }),
  );
};
