import { useState } from 'react';
import { problemText, useLoad } from '../api.js';
import { ErrorBox, Facts, Money, PageTitle, Show, Status } from '../components.js';
import { dateTime } from '../format.js';
import { useI18n } from '../i18n/index.js';
import type { PageProps } from '../nav.js';
import { Link } from '../router.js';
import { useSession } from '../session-context.js';

export default function MandateDetailPage({ params }: PageProps) {
  const { t } = useI18n();
  const { client } = useSession();
  const id = params.id ?? '';
  const mandate = useLoad(() => client.GET('/v1/mandates/{id}', { params: { path: { id } } }), [id]);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const revoke = async () => {
    const { data, error: problem, response } = await client.POST('/v1/mandates/{id}/revoke', { params: { path: { id } } });
    setConfirming(false);
    if (data) mandate.reload();
    else setError(problemText(problem, response.status));
  };
  return (
    <>
      <p>
        <Link to="/mandates">{t('common.back')}</Link>
      </p>
      <PageTitle>{t('mandate.title', { id })}</PageTitle>
      <Show loaded={mandate}>
        {(m) => (
          <>
            <Facts
              items={[
                ['field.agreement', m.agreement_number],
                ['field.status', <Status value={m.status} />],
                ['field.holder', m.payer.holder_name ?? '—'],
                ['field.account', `${m.payer.account_number_masked} (${m.payer.medium}, ${m.payer.bank_code ?? '—'})`],
                ['field.idNumber', m.payer.id_number_masked ?? '—'],
                ['field.phone', m.payer.phone_masked ?? '—'],
                ['field.merchant', m.merchant_id],
                ['field.signed', dateTime(m.signed_at)],
                ['field.validity', `${m.valid_from ?? '…'} – ${m.valid_until ?? '…'}`],
                ['field.limits', <><Money fen={m.limits.per_debit_max} /> / <Money fen={m.limits.monthly_max} /></>],
                ['field.revoked', dateTime(m.revoked_at)],
              ]}
            />
            <p>
              <Link to={`/debits?mandate_id=${m.id}`}>{t('debits.title')}</Link>
            </p>
            {m.status === 'active' && !confirming && (
              <button type="button" className="danger" onClick={() => setConfirming(true)}>
                {t('mandate.revoke')}
              </button>
            )}
            {confirming && (
              <div role="alertdialog" aria-labelledby="revoke-confirm" className="failure">
                <p id="revoke-confirm">{t('mandate.revokeConfirm')}</p>
                <button type="button" className="danger" onClick={revoke} autoFocus>
                  {t('mandate.revoke')}
                </button>{' '}
                <button type="button" onClick={() => setConfirming(false)}>
                  {t('common.back')}
                </button>
              </div>
            )}
            {m.status === 'revoked' && <p role="status">{t('mandate.revoked')}</p>}
            {error !== null && <ErrorBox detail={error} />}
          </>
        )}
      </Show>
    </>
  );
}
