import type { Author, Role } from '@unique-support/protocol';
import { AppError } from '../errors.ts';

/** Who is acting: a signed-in agent or a widget visitor. Every core operation takes one. */
export type Principal =
  | { type: 'agent'; id: string; workspaceId: string; name: string; role: Role }
  | { type: 'visitor'; id: string; workspaceId: string; name: string | null };

export const authorOf = (principal: Principal): Author => ({
  type: principal.type,
  id: principal.id,
  name: principal.name,
});

export type AgentPrincipal = Extract<Principal, { type: 'agent' }>;

/** FORBIDDEN unless an agent acts. */
export function requireAgent(principal: Principal): asserts principal is AgentPrincipal {
  if (principal.type !== 'agent') throw new AppError('FORBIDDEN', 'agents only');
}

/** FORBIDDEN unless an admin acts. */
export function requireAdmin(principal: Principal): asserts principal is AgentPrincipal {
  if (principal.type !== 'agent' || principal.role !== 'admin')
    throw new AppError('FORBIDDEN', 'admins only');
}
