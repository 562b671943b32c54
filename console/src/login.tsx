import { useState, type FormEvent } from 'react';
import { useI18n } from './i18n/index.js';
import { logIn, type Session } from './session.js';
import { LanguageToggle } from './language-toggle.js';

export function Login({ onLogin }: { onLogin(session: Session): void }) {
  const { t } = useI18n();
  const [key, setKey] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setMessage(null);
    const outcome = await logIn(key.trim()).catch((error: unknown) => ({ ok: false as const, reason: 'failed' as const, detail: String(error) }));
    setBusy(false);
    if (outcome.ok) onLogin(outcome.session);
    else setMessage(outcome.reason === 'invalid_key' ? t('login.invalid') : t('login.failed', { detail: outcome.detail }));
  };
  return (
    <main id="main" className="login">
      <div className="login-top">
        <LanguageToggle />
      </div>
      <form onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">{t('login.title')}</h1>
        <label htmlFor="api-key">{t('login.key')}</label>
        <input id="api-key" name="api-key" type="password" autoComplete="off" required value={key} onChange={(event) => setKey(event.target.value)} aria-describedby="api-key-help" autoFocus />
        <p id="api-key-help" className="help">
          {t('login.keyHelp')}
        </p>
        {message !== null && (
          <p role="alert" className="error">
            {message}
          </p>
        )}
        <button type="submit" disabled={busy || key.trim() === ''}>
          {t('login.submit')}
        </button>
      </form>
    </main>
  );
}
