import { type FormEvent, useState } from 'react';
import { api } from '../api.ts';
import { toast } from '../console-context.ts';
import { safeUrl } from '../format.ts';
import { useI18n } from '../i18n.ts';
import { Icon } from '../icons.tsx';
import { EmptyState, errorText, Spinner } from '../ui.tsx';
import { AdminSectionFrame, Unavailable } from './admin-section.tsx';
import { useResource } from './use-resource.ts';
import { CopyButton } from './widget-admin.tsx';

type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
export const WEBHOOK_EVENTS = ['conversation.created', 'conversation.updated', 'message.created'] as const;

export function WebhooksAdmin() {
  const { t } = useI18n();
  const hooks = useResource(() => api.webhooks().then((b) => b.webhooks));
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<WebhookEvent[]>([...WEBHOOK_EVENTS]);
  const [busy, setBusy] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);

  const add = async (event: FormEvent) => {
    event.preventDefault();
    const href = safeUrl(url.trim());
    if (!href || href.startsWith('/')) {
      toast({ text: t('webhooks.invalidUrl'), tone: 'error' });
      return;
    }
    if (events.length === 0) {
      toast({ text: t('webhooks.pickEvent'), tone: 'error' });
      return;
    }
    setBusy(true);
    try {
      const { webhook } = await api.createWebhook({ url: href, events });
      hooks.setData((list) => [...(list ?? []), webhook]);
      setSecret(webhook.secret ?? null);
      setUrl('');
    } catch (error) {
      toast({ text: errorText(t, error), tone: 'error' });
    } finally {
      setBusy(false);
    }
  };

  return (
    <AdminSectionFrame title={t('admin.webhooks')} intro={t('webhooks.intro')}>
      {hooks.missing ? (
        <Unavailable text={t('webhooks.unavailable')} />
      ) : (
        <>
          <form className="card webhook-form" onSubmit={add}>
            <div className="webhook-form-row">
              <input
                type="url"
                required
                placeholder="https://example.com/hooks/support"
                value={url}
                onChange={(e) => setUrl(e.target.value)}
                aria-label={t('webhooks.url')}
                data-testid="webhook-url"
              />
              <button type="submit" className="button primary" disabled={busy} data-testid="webhook-add">
                {busy ? <Spinner size={12} /> : <Icon name="plus" />}
                {t('webhooks.add')}
              </button>
            </div>
            <div className="webhook-events">
              <span className="field-label">{t('webhooks.events')}</span>
              {WEBHOOK_EVENTS.map((name) => (
                <label key={name} className="check">
                  <input
                    type="checkbox"
                    checked={events.includes(name)}
                    onChange={(e) =>
                      setEvents((list) =>
                        e.target.checked ? [...list, name] : list.filter((x) => x !== name),
                      )
                    }
                  />
                  <code>{name}</code>
                </label>
              ))}
            </div>
          </form>
          {secret && (
            <div className="notice success secret-notice">
              <span>{t('webhooks.secret')}</span>
              <code className="secret">{secret}</code>
              <CopyButton text={secret} />
            </div>
          )}
          <div className="card list-card" data-testid="webhook-list">
            {hooks.loading && !hooks.data ? (
              <div className="pad">
                <Spinner />
              </div>
            ) : (hooks.data ?? []).length === 0 ? (
              <EmptyState icon="webhook" title={t('webhooks.empty')} />
            ) : (
              (hooks.data ?? []).map((hook) => (
                <div key={hook.id} className="list-row" data-testid="webhook-item">
                  <Icon name="webhook" />
                  <span className="list-row-text">
                    <span className="webhook-url">{hook.url}</span>
                    <span className="webhook-event-list">
                      {hook.events.map((e) => (
                        <code key={e} className="tag">
                          {e}
                        </code>
                      ))}
                    </span>
                  </span>
                  <button
                    type="button"
                    className="icon-button danger"
                    aria-label={t('common.delete')}
                    onClick={async () => {
                      if (!window.confirm(t('common.confirmDelete', { name: hook.url }))) return;
                      try {
                        await api.deleteWebhook(hook.id);
                        hooks.setData((list) => (list ?? []).filter((h) => h.id !== hook.id));
                      } catch (error) {
                        toast({ text: errorText(t, error), tone: 'error' });
                      }
                    }}
                    data-testid="webhook-delete"
                  >
                    <Icon name="trash" />
                  </button>
                </div>
              ))
            )}
          </div>
        </>
      )}
    </AdminSectionFrame>
  );
}
