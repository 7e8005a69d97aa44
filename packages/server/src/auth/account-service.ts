import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Agent, Attributes, Role, Visitor, WidgetSettings, Workspace } from '@unique-support/protocol';
import type { Logger } from 'pino';
import type { Presence } from '../core/presence.ts';
import { type Principal, requireAdmin } from '../core/principal.ts';
import { AppError, notFound } from '../errors.ts';
import { randomSecret } from '../ids.ts';
import type { AgentPatch, AgentRecord, Store } from '../store/store.ts';
import { hashPassword, UNUSABLE_HASH, verifyPassword } from './passwords.ts';
import type { TokenService } from './tokens.ts';

export const DEFAULT_MAX_CONCURRENT = 5;
export const MIN_PASSWORD_LENGTH = 8;

export interface NewAgentInput {
  name: string;
  email: string;
  password: string;
  role?: Role;
  maxConcurrent?: number;
}

export interface WidgetSessionInput {
  widgetKey: string;
  visitorToken?: string;
  name?: string | null;
  email?: string | null;
  attributes?: Attributes;
  pageUrl?: string | null;
  /** The website's id of a logged-in user; needs `userHash`. */
  userId?: string;
  /** Hex HMAC-SHA256 of `userId` with the workspace's identity secret. */
  userHash?: string;
}

/** The secret's name in the store's secrets table. */
const identitySecretName = (workspaceId: string) => `identity-secret:${workspaceId}`;

/** Workspaces, agents, visitors and the tokens that identify them. */
export class AccountService {
  constructor(
    private readonly store: Store,
    private readonly tokens: TokenService,
    private readonly presence: Presence,
    private readonly log: Logger,
  ) {}

  /**
   * On a database with no agent: the demo workspace and its first admin. Returns the demo
   * workspace when this call created it (a fresh database), else null.
   */
  async seed(adminEmail: string, adminPassword: string | null): Promise<Workspace | null> {
    if ((await this.store.countAgents()) > 0) return null;
    const existing = await this.store.firstWorkspace();
    const workspace =
      existing ??
      (await this.store.createWorkspace({
        name: 'Demo',
        widgetKey: `wk_${randomSecret(18)}`,
        botEnabled: true,
      }));
    const password = adminPassword ?? randomSecret(12);
    await this.store.createAgent({
      workspaceId: workspace.id,
      name: 'Admin',
      email: adminEmail.toLowerCase(),
      role: 'admin',
      maxConcurrent: DEFAULT_MAX_CONCURRENT,
      passwordHash: await hashPassword(password),
    });
    if (adminPassword) {
      this.log.info({ email: adminEmail, workspace: workspace.name }, 'seeded the first admin');
    } else {
      // Printed once, on purpose, to the terminal and not to the JSON log.
      process.stdout.write(
        `\nFirst admin of workspace "${workspace.name}": ${adminEmail} / ${password}\n` +
          `Widget key: ${workspace.widgetKey}\n\n`,
      );
    }
    return existing ? null : workspace;
  }

  async signup(input: { workspaceName: string; name: string; email: string; password: string }) {
    checkPassword(input.password);
    if (await this.store.getAgentByEmail(input.email)) throw emailTaken();
    const { workspace, agent } = await this.store.createWorkspaceWithAgent(
      { name: input.workspaceName, widgetKey: `wk_${randomSecret(18)}`, botEnabled: true },
      {
        name: input.name,
        email: input.email.toLowerCase(),
        role: 'admin',
        maxConcurrent: DEFAULT_MAX_CONCURRENT,
        passwordHash: await hashPassword(input.password),
      },
    );
    const token = await this.tokens.sign({ type: 'agent', id: agent.id, workspaceId: workspace.id });
    return { token, agent: await this.publicAgent(agent), workspace };
  }

  async login(email: string, password: string) {
    const agent = await this.store.getAgentByEmail(email);
    // Same work whether or not the e-mail exists, so timing tells nothing.
    const ok = await verifyPassword(password, agent?.passwordHash ?? UNUSABLE_HASH);
    if (!agent || !ok) throw new AppError('UNAUTHORIZED', 'wrong e-mail or password');
    const token = await this.tokens.sign({ type: 'agent', id: agent.id, workspaceId: agent.workspaceId });
    return { token, agent: await this.publicAgent(agent) };
  }

  /** The principal of a bearer token; UNAUTHORIZED when the token or its subject is not valid. */
  async authenticate(token: string | undefined | null): Promise<Principal> {
    const subject = await this.tokens.verify(token);
    if (subject.type === 'agent') {
      const agent = await this.store.getAgent(subject.workspaceId, subject.id);
      if (!agent) throw new AppError('UNAUTHORIZED', 'agent no longer exists');
      return {
        type: 'agent',
        id: agent.id,
        workspaceId: agent.workspaceId,
        name: agent.name,
        role: agent.role,
      };
    }
    const visitor = await this.store.getVisitor(subject.workspaceId, subject.id);
    if (!visitor) throw new AppError('UNAUTHORIZED', 'visitor no longer exists');
    return { type: 'visitor', id: visitor.id, workspaceId: visitor.workspaceId, name: visitor.name };
  }

  /**
   * A visitor session through a widget key. A valid `visitorToken` of the same workspace
   * resumes that visitor (and updates what was sent); anything else starts a new one.
   * With `userId` and a valid `userHash` (identity verification) the session is that user's
   * visitor, on any device; a wrong hash is UNAUTHORIZED and changes nothing.
   */
  async widgetSession(input: WidgetSessionInput, ip: string | null) {
    const hasUserId = input.userId !== undefined;
    if (hasUserId !== (input.userHash !== undefined)) {
      throw new AppError('BAD_REQUEST', 'userId and userHash go together');
    }
    const workspace = await this.store.getWorkspaceByWidgetKey(input.widgetKey);
    if (!workspace) throw new AppError('NOT_FOUND', 'unknown widget key');
    let visitor: Visitor;
    if (hasUserId) {
      // Checked before anything is written: a bad hash stores nothing.
      await this.verifyUser(workspace.id, input.userId!, input.userHash!);
      visitor = await this.identifiedVisitor(workspace, input, input.userId!, ip);
    } else {
      visitor =
        (await this.resumeVisitor(workspace, input, ip)) ?? (await this.newVisitor(workspace, input, ip));
    }
    const visitorToken = await this.tokens.sign({
      type: 'visitor',
      id: visitor.id,
      workspaceId: workspace.id,
    });
    return {
      visitorId: visitor.id,
      visitorToken,
      userId: visitor.userId,
      visitor,
      workspace: { id: workspace.id, name: workspace.name },
    };
  }

  async me(principal: Principal) {
    if (principal.type !== 'agent') throw new AppError('FORBIDDEN', 'agents only');
    const [agent, workspace] = await Promise.all([
      this.store.getAgent(principal.workspaceId, principal.id),
      this.store.getWorkspace(principal.workspaceId),
    ]);
    if (!agent || !workspace) throw new AppError('UNAUTHORIZED', 'agent no longer exists');
    return { agent: await this.publicAgent(agent), workspace };
  }

  /**
   * Workspace settings (admins): its name, whether the bot answers new conversations first,
   * and the widget's look (a partial change, merged into the current settings).
   */
  async updateWorkspace(
    admin: Principal,
    patch: { name?: string; botEnabled?: boolean; widget?: Partial<WidgetSettings> },
  ): Promise<Workspace> {
    requireAdmin(admin);
    let widget: WidgetSettings | undefined;
    if (patch.widget !== undefined) {
      const current = await this.store.getWorkspace(admin.workspaceId);
      if (!current) throw notFound('workspace');
      widget = { ...current.widget, ...definedOnly(patch.widget) };
      widget.color = widget.color.toLowerCase();
    }
    const workspace = await this.store.updateWorkspace(admin.workspaceId, {
      ...(patch.name !== undefined && { name: patch.name }),
      ...(patch.botEnabled !== undefined && { botEnabled: patch.botEnabled }),
      ...(widget && { widget }),
    });
    if (!workspace) throw notFound('workspace');
    return workspace;
  }

  /** What the widget needs before a session: public, by widget key. */
  async widgetConfig(widgetKey: string) {
    const workspace = await this.store.getWorkspaceByWidgetKey(widgetKey);
    if (!workspace) throw new AppError('NOT_FOUND', 'unknown widget key');
    return { workspace, agentsOnline: (await this.presence.online(workspace.id)).size > 0 };
  }

  /** The secret the merchant's server signs user ids with (admins); created on first use. */
  async identitySecret(admin: Principal): Promise<string> {
    requireAdmin(admin);
    return this.identitySecretOf(admin.workspaceId);
  }

  /** A visitor of the agent's workspace. */
  async getVisitor(agent: Principal, visitorId: string): Promise<Visitor> {
    if (agent.type !== 'agent') throw new AppError('FORBIDDEN', 'agents only');
    const visitor = await this.store.getVisitor(agent.workspaceId, visitorId);
    if (!visitor) throw notFound('visitor');
    return visitor;
  }

  async listAgents(principal: Principal): Promise<Agent[]> {
    if (principal.type !== 'agent') throw new AppError('FORBIDDEN', 'agents only');
    const agents = await this.store.listAgents(principal.workspaceId);
    return Promise.all(agents.map((agent) => this.publicAgent(agent)));
  }

  async createAgent(admin: Principal, input: NewAgentInput): Promise<Agent> {
    requireAdmin(admin);
    checkPassword(input.password);
    if (await this.store.getAgentByEmail(input.email)) throw emailTaken();
    const agent = await this.store.createAgent({
      workspaceId: admin.workspaceId,
      name: input.name,
      email: input.email.toLowerCase(),
      role: input.role ?? 'agent',
      maxConcurrent: input.maxConcurrent ?? DEFAULT_MAX_CONCURRENT,
      passwordHash: await hashPassword(input.password),
    });
    return await this.publicAgent(agent);
  }

  async updateAgent(
    admin: Principal,
    agentId: string,
    input: { name?: string; role?: Role; maxConcurrent?: number; password?: string },
  ): Promise<Agent> {
    requireAdmin(admin);
    const patch: AgentPatch = {
      ...(input.name !== undefined && { name: input.name }),
      ...(input.role !== undefined && { role: input.role }),
      ...(input.maxConcurrent !== undefined && { maxConcurrent: input.maxConcurrent }),
    };
    if (input.password !== undefined) {
      checkPassword(input.password);
      patch.passwordHash = await hashPassword(input.password);
    }
    if (input.role === 'agent' && agentId === admin.id) {
      throw new AppError('BAD_REQUEST', 'an admin cannot remove their own admin role');
    }
    const agent = await this.store.updateAgent(admin.workspaceId, agentId, patch);
    if (!agent) throw notFound('agent');
    return await this.publicAgent(agent);
  }

  async publicAgent(agent: AgentRecord): Promise<Agent> {
    const { passwordHash: _, ...rest } = agent;
    return { ...rest, status: await this.presence.status(agent.workspaceId, agent.id) };
  }

  private identitySecretOf(workspaceId: string): Promise<string> {
    return this.store.getOrCreateSecret(identitySecretName(workspaceId), () =>
      randomBytes(32).toString('hex'),
    );
  }

  /** UNAUTHORIZED unless `userHash` is the hex HMAC-SHA256 of `userId` with the workspace's secret. */
  private async verifyUser(workspaceId: string, userId: string, userHash: string): Promise<void> {
    const expected = createHmac('sha256', await this.identitySecretOf(workspaceId))
      .update(userId)
      .digest();
    const given = /^[0-9a-f]{64}$/i.test(userHash) ? Buffer.from(userHash, 'hex') : null;
    if (!given || !timingSafeEqual(given, expected)) {
      throw new AppError('UNAUTHORIZED', 'userHash is not the HMAC of userId');
    }
  }

  /**
   * The visitor of a verified user id: the one already tied to it (from any device), else the
   * anonymous visitor of `visitorToken` (its conversations carry over), else a new one.
   */
  private async identifiedVisitor(
    workspace: Workspace,
    input: WidgetSessionInput,
    userId: string,
    ip: string | null,
  ): Promise<Visitor> {
    for (let attempt = 0; ; attempt++) {
      try {
        const known = await this.store.getVisitorByUserId(workspace.id, userId);
        if (known) return (await this.refreshVisitor(known, input, ip)) ?? known;
        const anonymous = await this.tokenVisitor(workspace, input.visitorToken);
        if (anonymous && anonymous.userId === null) {
          const tied = await this.refreshVisitor(anonymous, input, ip, userId);
          if (tied) return tied;
        }
        return await this.newVisitor(workspace, input, ip, userId);
      } catch (err) {
        // Another session tied the user id meanwhile: take that visitor on the next pass.
        if (!(err instanceof AppError && err.code === 'CONFLICT') || attempt >= 2) throw err;
      }
    }
  }

  /** The visitor of a valid visitor token of the workspace, or null. */
  private async tokenVisitor(workspace: Workspace, token: string | undefined): Promise<Visitor | null> {
    if (!token) return null;
    const subject = await this.tokens.verify(token).catch(() => null);
    if (subject?.type !== 'visitor' || subject.workspaceId !== workspace.id) return null;
    return this.store.getVisitor(workspace.id, subject.id);
  }

  /**
   * Resumes the visitor of `visitorToken`. A visitor tied to a verified user is resumed only
   * through that user's id and hash: without them (the user logged out) a new visitor starts.
   */
  private async resumeVisitor(workspace: Workspace, input: WidgetSessionInput, ip: string | null) {
    const visitor = await this.tokenVisitor(workspace, input.visitorToken);
    if (!visitor || visitor.userId !== null) return null;
    return this.refreshVisitor(visitor, input, ip);
  }

  /** Updates what the widget sent (and ties `userId` when given). */
  private refreshVisitor(visitor: Visitor, input: WidgetSessionInput, ip: string | null, userId?: string) {
    return this.store.updateVisitor(visitor.workspaceId, visitor.id, {
      ...(input.name !== undefined && { name: input.name }),
      ...(input.email !== undefined && { email: input.email }),
      ...(input.attributes !== undefined && { attributes: { ...visitor.attributes, ...input.attributes } }),
      ...(input.pageUrl !== undefined && { pageUrl: input.pageUrl }),
      ...(userId !== undefined && { userId }),
      ip,
      lastSeenAt: new Date().toISOString(),
    });
  }

  private newVisitor(
    workspace: Workspace,
    input: WidgetSessionInput,
    ip: string | null,
    userId: string | null = null,
  ): Promise<Visitor> {
    return this.store.createVisitor({
      workspaceId: workspace.id,
      name: input.name ?? null,
      email: input.email ?? null,
      attributes: input.attributes ?? {},
      pageUrl: input.pageUrl ?? null,
      ip,
      userId,
    });
  }
}

/** The keys of `patch` whose value is not undefined. */
function definedOnly<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new AppError('BAD_REQUEST', `password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  }
}

const emailTaken = () => new AppError('CONFLICT', 'an agent with this e-mail already exists');
