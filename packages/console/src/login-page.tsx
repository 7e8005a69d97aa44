import { type FormEvent, useState } from 'react';
import { ApiError, api } from './api.ts';
import { LANGUAGES, useI18n } from './i18n.ts';
import { Logo } from './logo.tsx';
import { Spinner } from './ui.tsx';

export function LoginPage({
  onLoggedIn,
  expired,
}: {
  onLoggedIn: (token: string) => void;
  expired?: boolean;
}) {
  const { t, language, setLanguage } = useI18n();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const { token } = await api.login(email.trim(), password);
      onLoggedIn(token);
    } catch (err) {
      setBusy(false);
      if (err instanceof ApiError && err.status === 429) setError(t('login.rateLimited'));
      else if (err instanceof ApiError && err.status === 0) setError(t('login.network'));
      else setError(t('login.failed'));
    }
  };

  return (
    <div className="login-page">
      <div className="login-lang">
        <select
          aria-label={t('header.language')}
          value={language}
          onChange={(e) => setLanguage(e.target.value as typeof language)}
          data-testid="language-switch"
        >
          {LANGUAGES.map((l) => (
            <option key={l.code} value={l.code}>
              {l.label}
            </option>
          ))}
        </select>
      </div>
      <form className="login-card" onSubmit={submit} data-testid="login-form">
        <div className="login-brand">
          <Logo size={40} />
          <div>
            <div className="login-product">{t('app.name')}</div>
            <div className="login-subtitle">{t('login.subtitle')}</div>
          </div>
        </div>
        <h1>{t('login.title')}</h1>
        {expired && !error && <p className="login-notice">{t('login.expired')}</p>}
        <label className="field">
          <span className="field-label">{t('login.email')}</span>
          <input
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            data-testid="login-email"
          />
        </label>
        <label className="field">
          <span className="field-label">{t('login.password')}</span>
          <input
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            data-testid="login-password"
          />
        </label>
        {error && (
          <p className="login-error" role="alert" data-testid="login-error">
            {error}
          </p>
        )}
        <button type="submit" className="button primary large" disabled={busy} data-testid="login-submit">
          {busy ? <Spinner /> : null}
          {busy ? t('login.submitting') : t('login.submit')}
        </button>
      </form>
    </div>
  );
}
