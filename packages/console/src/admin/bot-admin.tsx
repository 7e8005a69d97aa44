import { useEffect, useState } from 'react';
import { api } from '../api.ts';
import { toast, useConsole, useStore } from '../console-context.ts';
import { useI18n } from '../i18n.ts';
import { Icon } from '../icons.tsx';
import type { Readiness } from '../types.ts';
import { errorText, Spinner, Switch } from '../ui.tsx';
import { AdminSectionFrame } from './admin-section.tsx';

/** Normalises cockatiel's breaker state names ("closed", "open", "halfOpen", "isolated"). */
export function breakerKind(state: string): 'closed' | 'open' | 'halfOpen' | 'isolated' {
  const s = state.replace(/[-_\s]/g, '').toLowerCase();
  if (s === 'closed') return 'closed';
  if (s === 'halfopen') return 'halfOpen';
  if (s === 'isolated') return 'isolated';
  return 'open';
}

export function BotAdmin() {
  const { t } = useI18n();
  const store = useStore();
  const workspace = useConsole((s) => s.workspace);
  const [saving, setSaving] = useState(false);
  const [ready, setReady] = useState<Readiness | null>(null);
  const [readyError, setReadyError] = useState(false);

  useEffect(() => {
    let alive = true;
    const poll = () =>
      api
        .readyz()
        .then((r) => {
          if (!alive) return;
          setReady(r);
          setReadyError(false);
        })
        .catch(() => alive && setReadyError(true));
    poll();
    const timer = setInterval(poll, 5000);
    return () => {
      alive = false;
      clearInterval(timer);
    };
  }, []);

  const toggle = async (botEnabled: boolean) => {
    setSaving(true);
    try {
      const { workspace: updated } = await api.updateWorkspace({ botEnabled });
      store.setWorkspace(updated);
      toast({ text: t('common.saved'), tone: 'success' }, 1500);
    } catch (error) {
      toast({ text: errorText(t, error), tone: 'error' });
    } finally {
      setSaving(false);
    }
  };

  const providers = ready?.bot?.providers ?? [];
  const down = ready?.down ?? [];

  return (
    <AdminSectionFrame title={t('admin.bot')} intro={t('bot.intro')}>
      <div className="card setting-row">
        <div className="setting-icon bot">
          <Icon name="sparkles" size={18} />
        </div>
        <div className="setting-text">
          <div className="card-title">{t('bot.enabled')}</div>
          <div className="muted small">{t('bot.enabledHint')}</div>
        </div>
        {saving && <Spinner size={14} />}
        <Switch
          checked={workspace.botEnabled}
          onChange={toggle}
          label={t('bot.enabled')}
          testId="bot-enabled-toggle"
          disabled={saving}
        />
      </div>

      <div className="card">
        <div className="card-head">
          <div>
            <div className="card-title">{t('bot.providers')}</div>
            <div className="muted small">{t('bot.providersHint')}</div>
          </div>
          <span className="muted small refresh-note">
            <Icon name="refresh" size={12} />
            {t('bot.refreshed')}
          </span>
        </div>
        {!ready && !readyError ? (
          <div className="pad">
            <Spinner />
          </div>
        ) : providers.length === 0 ? (
          <div className="notice">
            <Icon name="bot" />
            {t('bot.noProviders')}
          </div>
        ) : (
          <ol className="provider-list" data-testid="provider-list">
            {providers.map((provider, index) => {
              const kind = breakerKind(provider.breaker);
              return (
                <li
                  key={provider.name}
                  className="provider-row"
                  data-testid="provider-row"
                  data-breaker={kind}
                >
                  <span className="provider-rank">{index + 1}</span>
                  <div className="provider-text">
                    <div className="provider-name">{provider.name}</div>
                    {provider.model && (
                      <div className="muted small">
                        {t('bot.model')}: <code>{provider.model}</code>
                      </div>
                    )}
                  </div>
                  <span className={`breaker ${kind}`}>
                    <span className="breaker-dot" />
                    {t(`bot.breaker.${kind}`)}
                  </span>
                </li>
              );
            })}
          </ol>
        )}
      </div>

      <div className="two-cards">
        <div className="card">
          <div className="card-title">{t('bot.health')}</div>
          <div className="health-line" data-testid="health">
            {readyError ? (
              <span className="breaker open">
                <span className="breaker-dot" />
                {t('error.network')}
              </span>
            ) : ready ? (
              down.length === 0 ? (
                <span className="breaker closed">
                  <span className="breaker-dot" />
                  {t('bot.ready')}
                </span>
              ) : (
                <span className="breaker open">
                  <span className="breaker-dot" />
                  {t('bot.degraded', { down: down.join(', ') })}
                </span>
              )
            ) : (
              <Spinner size={12} />
            )}
          </div>
        </div>
        <div className="card">
          <div className="card-title">{t('bot.config')}</div>
          <p className="muted small">{t('bot.configHint')}</p>
        </div>
      </div>
    </AdminSectionFrame>
  );
}
