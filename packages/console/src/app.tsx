import { useCallback, useEffect, useMemo, useState } from 'react';
import { ApiError, api, getToken, onUnauthorized, setToken } from './api.ts';
import { type I18n, I18nContext, initialLanguage, type Language, saveLanguage, translator } from './i18n.ts';
import { LoginPage } from './login-page.tsx';
import { Shell } from './shell.tsx';
import type { Agent, ConsoleWorkspace } from './types.ts';
import { Spinner, Toasts } from './ui.tsx';

export interface Session {
  token: string;
  agent: Agent;
  workspace: ConsoleWorkspace;
}

type Phase =
  | { name: 'login'; notice?: 'expired' }
  | { name: 'loading' }
  | { name: 'ready'; session: Session };

export function App() {
  const [language, setLanguageState] = useState<Language>(initialLanguage);
  const i18n = useMemo<I18n>(
    () => ({
      language,
      t: translator(language),
      setLanguage: (next) => {
        saveLanguage(next);
        setLanguageState(next);
      },
    }),
    [language],
  );
  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);

  const [phase, setPhase] = useState<Phase>(() => (getToken() ? { name: 'loading' } : { name: 'login' }));

  const resume = useCallback(async (token: string) => {
    setPhase({ name: 'loading' });
    try {
      const { agent, workspace } = await api.me();
      setPhase({ name: 'ready', session: { token, agent, workspace } });
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) setPhase({ name: 'login', notice: 'expired' });
      else setPhase({ name: 'login' });
    }
  }, []);

  useEffect(() => {
    const token = getToken();
    if (token) resume(token);
    return onUnauthorized(() => setPhase({ name: 'login', notice: 'expired' }));
  }, [resume]);

  const logout = useCallback(() => {
    setToken(null);
    setPhase({ name: 'login' });
  }, []);

  return (
    <I18nContext.Provider value={i18n}>
      {phase.name === 'login' && (
        <LoginPage
          expired={phase.notice === 'expired'}
          onLoggedIn={(token) => {
            setToken(token);
            resume(token);
          }}
        />
      )}
      {phase.name === 'loading' && (
        <div className="splash">
          <Spinner size={22} />
        </div>
      )}
      {phase.name === 'ready' && (
        <Shell key={phase.session.token} session={phase.session} onLogout={logout} />
      )}
      <Toasts />
    </I18nContext.Provider>
  );
}
