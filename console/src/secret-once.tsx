import { useEffect, useRef, useState } from 'react';
import { useI18n } from './i18n/index.js';

/**
 * A webhook endpoint's signing secret, as the API shows it: once, in the answer to creating the
 * endpoint or rotating its secret. It is kept nowhere else (not in session storage either), so
 * the page says so and offers to copy it.
 */
export function SecretOnce({ endpointId, secret, onDone }: { endpointId: string; secret: string; onDone(): void }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  // The focus moves here when the secret appears, so that keyboard and screen-reader users meet it first.
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [secret]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  };
  return (
    <section className="secret" aria-labelledby="secret-title">
      <h2 id="secret-title" tabIndex={-1} ref={heading}>{t('webhooks.secretTitle', { id: endpointId })}</h2>
      <p className="warning">{t('webhooks.secretOnce')}</p>
      <label>
        {t('webhooks.secret')}
        <input name="secret" readOnly value={secret} size={50} onFocus={(event) => event.target.select()} />
      </label>{' '}
      <button type="button" onClick={copy}>
        {t('webhooks.copy')}
      </button>{' '}
      <button type="button" onClick={onDone}>
        {t('webhooks.secretDone')}
      </button>
      <p role="status">{copied === 'yes' ? t('webhooks.copied') : copied === 'failed' ? t('webhooks.copyFailed') : ''}</p>
    </section>
  );
}

/** Whether an endpoint receives, and when daikou disabled it, why. */
export function EndpointState({ enabled, reason }: { enabled: boolean; reason: string | null }) {
  const { t } = useI18n();
  if (enabled) return <span className="status status-active">{t('webhooks.enabled')}</span>;
  return (
    <>
      <span className="status status-revoked">{t('webhooks.disabled')}</span> {reason === null ? t('webhooks.disabledByHand') : t('webhooks.disabledBecause', { reason })}
    </>
  );
}
