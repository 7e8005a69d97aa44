import { useState } from 'react';
import { ApiError, api } from '../api.ts';
import { toast, useConsole, useStore } from '../console-context.ts';
import { useI18n } from '../i18n.ts';
import { Icon } from '../icons.tsx';
import type { WidgetSettings } from '../types.ts';
import { errorText, Field, Spinner } from '../ui.tsx';
import { AdminSectionFrame, Unavailable } from './admin-section.tsx';
import { useResource } from './use-resource.ts';

export const DEFAULT_WIDGET: WidgetSettings = {
  color: '#2563eb',
  position: 'right',
  greeting: '',
  language: 'auto',
};
const SWATCHES = ['#2563eb', '#5b5bd6', '#0f766e', '#db2777', '#ea580c', '#16a34a', '#111827'];

/** The `<script>` tag a merchant pastes into their site. */
export function embedSnippet(origin: string, widgetKey: string): string {
  return `<script\n  src="${origin}/widget/loader.js"\n  data-widget-key="${widgetKey}"\n  async\n></script>`;
}

export function CopyButton({ text, testId }: { text: string; testId?: string }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className="button small"
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
        } catch {
          const area = document.createElement('textarea');
          area.value = text;
          document.body.append(area);
          area.select();
          document.execCommand('copy');
          area.remove();
        }
        setCopied(true);
        setTimeout(() => setCopied(false), 1500);
      }}
      data-testid={testId}
    >
      <Icon name={copied ? 'check' : 'copy'} size={14} />
      {copied ? t('common.copied') : t('common.copy')}
    </button>
  );
}

export function WidgetAdmin() {
  const { t } = useI18n();
  const store = useStore();
  const workspace = useConsole((s) => s.workspace);
  const initial = { ...DEFAULT_WIDGET, ...workspace.widget };
  const [settings, setSettings] = useState<WidgetSettings>(initial);
  const [saving, setSaving] = useState(false);
  const [unsupported, setUnsupported] = useState(false);
  const dirty = JSON.stringify(settings) !== JSON.stringify(initial);
  const snippet = embedSnippet(location.origin, workspace.widgetKey);

  const save = async () => {
    setSaving(true);
    try {
      const { workspace: updated } = await api.updateWorkspace({ widget: settings });
      store.setWorkspace({ ...updated, widget: updated.widget ?? settings });
      toast({ text: t('common.saved'), tone: 'success' }, 1500);
    } catch (error) {
      if (error instanceof ApiError && error.status === 400 && /widget|additional/i.test(error.message)) {
        setUnsupported(true);
      }
      toast({ text: errorText(t, error), tone: 'error' });
    } finally {
      setSaving(false);
    }
  };

  const set = <K extends keyof WidgetSettings>(key: K, value: WidgetSettings[K]) =>
    setSettings((s) => ({ ...s, [key]: value }));

  return (
    <AdminSectionFrame
      title={t('admin.widget')}
      intro={t('widget.intro')}
      actions={
        <button
          type="button"
          className="button primary"
          onClick={save}
          disabled={!dirty || saving}
          data-testid="widget-save"
        >
          {saving && <Spinner size={12} />}
          {t('common.save')}
        </button>
      }
    >
      {unsupported && <Unavailable text={t('error.missing')} />}
      <div className="widget-layout">
        <div className="card form-card">
          <Field label={t('widget.color')}>
            <div className="swatches">
              {SWATCHES.map((color) => (
                <button
                  type="button"
                  key={color}
                  className={settings.color.toLowerCase() === color ? 'swatch active' : 'swatch'}
                  style={{ background: color }}
                  onClick={() => set('color', color)}
                  aria-label={color}
                />
              ))}
              <input
                type="color"
                value={settings.color}
                onChange={(e) => set('color', e.target.value)}
                aria-label={t('widget.color')}
                data-testid="widget-color"
              />
            </div>
          </Field>
          <Field label={t('widget.position')}>
            <div className="segmented">
              {(['right', 'left'] as const).map((position) => (
                <button
                  type="button"
                  key={position}
                  className={settings.position === position ? 'active' : ''}
                  onClick={() => set('position', position)}
                  data-testid={`widget-position-${position}`}
                >
                  {t(position === 'right' ? 'widget.right' : 'widget.left')}
                </button>
              ))}
            </div>
          </Field>
          <Field label={t('widget.greeting')}>
            <textarea
              rows={2}
              maxLength={300}
              value={settings.greeting}
              placeholder={t('widget.greetingDefault')}
              onChange={(e) => set('greeting', e.target.value)}
              data-testid="widget-greeting"
            />
          </Field>
          <Field label={t('widget.language')}>
            <select
              value={settings.language}
              onChange={(e) => set('language', e.target.value as WidgetSettings['language'])}
              data-testid="widget-language"
            >
              <option value="auto">{t('widget.auto')}</option>
              <option value="en">English</option>
              <option value="zh-CN">简体中文</option>
            </select>
          </Field>
        </div>
        <WidgetPreview settings={settings} />
      </div>

      <div className="card">
        <div className="card-head">
          <div>
            <div className="card-title">{t('widget.snippet')}</div>
            <div className="muted small">{t('widget.snippetHint')}</div>
          </div>
          <CopyButton text={snippet} testId="copy-snippet" />
        </div>
        <pre className="code-block" data-testid="embed-snippet">
          {snippet}
        </pre>
        <div className="muted small key-line">
          {t('widget.key')}: <code>{workspace.widgetKey}</code>
        </div>
      </div>

      <IdentitySecret />
    </AdminSectionFrame>
  );
}

function WidgetPreview({ settings }: { settings: WidgetSettings }) {
  const { t } = useI18n();
  const workspace = useConsole((s) => s.workspace);
  const greeting = settings.greeting.trim() || t('widget.greetingDefault');
  return (
    <div className="card widget-preview-card">
      <div className="card-title">{t('widget.preview')}</div>
      <div className={`widget-preview ${settings.position}`} style={{ ['--w' as string]: settings.color }}>
        <div className="wp-panel">
          <div className="wp-head">
            <span className="wp-avatar">
              <Icon name="message" size={14} />
            </span>
            <span>{workspace.name}</span>
          </div>
          <div className="wp-body">
            <div className="wp-bubble bot">{greeting}</div>
            <div className="wp-bubble me">{t('widget.previewMessage')}</div>
          </div>
          <div className="wp-input">…</div>
        </div>
        <div className="wp-launcher">
          <Icon name="message" size={20} />
        </div>
      </div>
    </div>
  );
}

function IdentitySecret() {
  const { t } = useI18n();
  const secret = useResource(() => api.identitySecret().then((b) => b.secret ?? b.identitySecret ?? ''));
  const [shown, setShown] = useState(false);
  const value = secret.data ?? '';
  const example = `const hash = crypto.createHmac('sha256', IDENTITY_SECRET).update(user.id).digest('hex');`;
  return (
    <div className="card">
      <div className="card-head">
        <div>
          <div className="card-title">
            <Icon name="shield" size={14} /> {t('widget.identity')}
          </div>
          <div className="muted small">{t('widget.identityHint')}</div>
        </div>
      </div>
      {secret.loading ? (
        <Spinner />
      ) : secret.error ? (
        <p className="muted small">
          {secret.missing ? t('widget.identityMissing') : errorText(t, secret.error)}
        </p>
      ) : (
        <>
          <div className="secret-row">
            <code className="secret" data-testid="identity-secret">
              {shown ? value : '•'.repeat(Math.min(32, value.length || 24))}
            </code>
            <button type="button" className="button small" onClick={() => setShown((s) => !s)}>
              {shown ? t('common.hide') : t('common.reveal')}
            </button>
            <CopyButton text={value} />
          </div>
          <pre className="code-block small">{example}</pre>
        </>
      )}
    </div>
  );
}
