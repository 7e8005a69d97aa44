import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError } from '../../errors.ts';
import { bearer, type HttpDeps } from '../http-server.ts';
import {
  AgentBody,
  AgentPatchBody,
  AgentResponse,
  AgentsResponse,
  AuthResponse,
  IdentitySecretResponse,
  IdParams,
  LoginBody,
  MeResponse,
  SignupBody,
  SignupResponse,
  WidgetSessionBody,
  WidgetSessionResponse,
  WorkspacePatchBody,
  WorkspaceResponse,
} from '../schemas.ts';

export const accountRoutes: FastifyPluginAsyncTypebox<HttpDeps> = async (app, { accounts, config }) => {
  const auth = bearer(accounts);

  app.post(
    '/signup',
    { schema: { tags: ['accounts'], body: SignupBody, response: { 201: SignupResponse } } },
    async (request, reply) => {
      if (!config.signupEnabled) throw new AppError('FORBIDDEN', 'signup is disabled on this server');
      reply.code(201);
      return accounts.signup(request.body);
    },
  );

  app.post(
    '/auth/login',
    {
      schema: { tags: ['accounts'], body: LoginBody, response: { 200: AuthResponse } },
      config: { rateLimit: { max: config.loginRateLimit, timeWindow: 60_000 } },
    },
    async (request) => accounts.login(request.body.email, request.body.password),
  );

  app.get(
    '/me',
    { schema: { tags: ['accounts'], security: [{ bearer: [] }], response: { 200: MeResponse } } },
    async (request) => accounts.me(await auth(request)),
  );

  app.get(
    '/workspace',
    { schema: { tags: ['settings'], security: [{ bearer: [] }], response: { 200: WorkspaceResponse } } },
    async (request) => ({ workspace: (await accounts.me(await auth(request))).workspace }),
  );

  app.patch(
    '/workspace',
    {
      schema: {
        tags: ['settings'],
        security: [{ bearer: [] }],
        body: WorkspacePatchBody,
        response: { 200: WorkspaceResponse },
      },
    },
    async (request) => ({ workspace: await accounts.updateWorkspace(await auth(request), request.body) }),
  );

  app.get(
    '/workspace/identity-secret',
    {
      schema: {
        tags: ['settings'],
        summary: "The secret the website signs logged-in users' ids with (identity verification; admins)",
        security: [{ bearer: [] }],
        response: { 200: IdentitySecretResponse },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return { identitySecret: await accounts.identitySecret(await auth(request)) };
    },
  );

  app.get(
    '/agents',
    { schema: { tags: ['agents'], security: [{ bearer: [] }], response: { 200: AgentsResponse } } },
    async (request) => ({ agents: await accounts.listAgents(await auth(request)) }),
  );

  app.post(
    '/agents',
    {
      schema: {
        tags: ['agents'],
        security: [{ bearer: [] }],
        body: AgentBody,
        response: { 201: AgentResponse },
      },
    },
    async (request, reply) => {
      const agent = await accounts.createAgent(await auth(request), request.body);
      reply.code(201);
      return { agent };
    },
  );

  app.patch(
    '/agents/:id',
    {
      schema: {
        tags: ['agents'],
        security: [{ bearer: [] }],
        params: IdParams,
        body: AgentPatchBody,
        response: { 200: AgentResponse },
      },
    },
    async (request) => ({
      agent: await accounts.updateAgent(await auth(request), request.params.id, request.body),
    }),
  );

  app.post(
    '/widget/session',
    { schema: { tags: ['widget'], body: WidgetSessionBody, response: { 200: WidgetSessionResponse } } },
    async (request) => accounts.widgetSession(request.body, request.ip),
  );
};
