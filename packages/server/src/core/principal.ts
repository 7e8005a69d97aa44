import type { Author, Role } from '@unique-support/protocol';

/** Who is acting: a signed-in agent or a widget visitor. Every core operation takes one. */
export type Principal =
  | { type: 'agent'; id: string; workspaceId: string; name: string; role: Role }
  | { type: 'visitor'; id: string; workspaceId: string; name: string | null };

export const authorOf = (principal: Principal): Author => ({
  type: principal.type,
  id: principal.id,
  name: principal.name,
});
