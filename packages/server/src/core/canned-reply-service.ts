import type { CannedReply } from '@unique-support/protocol';
import { AppError, notFound } from '../errors.ts';
import type { Store } from '../store/store.ts';
import { type Principal, requireAdmin, requireAgent } from './principal.ts';

export const SHORTCUT_PATTERN = /^[a-z0-9_-]{1,32}$/;
export const CANNED_TEXT_MAX = 4000;

/** Canned replies of a workspace: agents read them, admins write them. */
export class CannedReplyService {
  constructor(private readonly store: Store) {}

  /** By shortcut. */
  async list(principal: Principal): Promise<CannedReply[]> {
    requireAgent(principal);
    return this.store.listCannedReplies(principal.workspaceId);
  }

  async create(admin: Principal, input: { shortcut: string; text: string }): Promise<CannedReply> {
    requireAdmin(admin);
    return this.store.createCannedReply({
      workspaceId: admin.workspaceId,
      shortcut: checkShortcut(input.shortcut),
      text: checkText(input.text),
    });
  }

  async update(
    admin: Principal,
    id: string,
    patch: { shortcut?: string; text?: string },
  ): Promise<CannedReply> {
    requireAdmin(admin);
    const reply = await this.store.updateCannedReply(admin.workspaceId, id, {
      ...(patch.shortcut !== undefined && { shortcut: checkShortcut(patch.shortcut) }),
      ...(patch.text !== undefined && { text: checkText(patch.text) }),
    });
    if (!reply) throw notFound('canned reply');
    return reply;
  }

  async delete(admin: Principal, id: string): Promise<void> {
    requireAdmin(admin);
    if (!(await this.store.deleteCannedReply(admin.workspaceId, id))) throw notFound('canned reply');
  }
}

function checkShortcut(shortcut: string): string {
  if (!SHORTCUT_PATTERN.test(shortcut)) {
    throw new AppError('BAD_REQUEST', 'a shortcut has 1 to 32 of a-z, 0-9, "_" and "-"');
  }
  return shortcut;
}

function checkText(text: string): string {
  const trimmed = text.trim();
  if (trimmed.length === 0 || trimmed.length > CANNED_TEXT_MAX) {
    throw new AppError('BAD_REQUEST', `text has 1 to ${CANNED_TEXT_MAX} characters`);
  }
  return trimmed;
}
