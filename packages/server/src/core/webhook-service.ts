import type { Webhook, WebhookEventType } from '@unique-support/protocol';
import { AppError, notFound } from '../errors.ts';
import { randomSecret } from '../ids.ts';
import type { Store, WebhookRecord } from '../store/store.ts';
import { type Principal, requireAdmin } from './principal.ts';

/** Most webhooks one workspace may have. */
export const MAX_WEBHOOKS = 20;

/** A workspace's webhooks (admins). The secret is returned once, by `create`. */
export class WebhookService {
  constructor(
    private readonly store: Store,
    /** Called after a change, with the workspace id (the dispatcher's cache). */
    private readonly onChange: (workspaceId: string) => void = () => {},
  ) {}

  async list(admin: Principal): Promise<Webhook[]> {
    requireAdmin(admin);
    return (await this.store.listWebhooks(admin.workspaceId)).map(withoutSecret);
  }

  async create(
    admin: Principal,
    input: { url: string; events: readonly WebhookEventType[] },
  ): Promise<Webhook & { secret: string }> {
    requireAdmin(admin);
    const url = checkUrl(input.url);
    const events = [...new Set(input.events)];
    if (events.length === 0) throw new AppError('BAD_REQUEST', 'a webhook needs at least one event');
    if ((await this.store.listWebhooks(admin.workspaceId)).length >= MAX_WEBHOOKS) {
      throw new AppError('BAD_REQUEST', `at most ${MAX_WEBHOOKS} webhooks per workspace`);
    }
    const record = await this.store.createWebhook({
      workspaceId: admin.workspaceId,
      url,
      events,
      secret: `whsec_${randomSecret(24)}`,
    });
    this.onChange(admin.workspaceId);
    return { ...withoutSecret(record), secret: record.secret };
  }

  async delete(admin: Principal, id: string): Promise<void> {
    requireAdmin(admin);
    if (!(await this.store.deleteWebhook(admin.workspaceId, id))) throw notFound('webhook');
    this.onChange(admin.workspaceId);
  }
}

function checkUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new AppError('BAD_REQUEST', 'url is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AppError('BAD_REQUEST', 'url must be http or https');
  }
  return url.toString();
}

const withoutSecret = ({ secret: _, ...webhook }: WebhookRecord): Webhook => webhook;
