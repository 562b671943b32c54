import { useState, type FormEvent } from 'react';
import { parseYuan } from '../../../src/core/kernel/money.js';
import { problemText, useLoad } from '../api.js';
import { Empty, Facts, Money, PageTitle, Show, Status, Table } from '../components.js';
import { dateTime } from '../format.js';
import { useI18n } from '../i18n/index.js';
import type { PageProps } from '../nav.js';
import { Link } from '../router.js';
import { RoutingExplanation, Timeline } from '../routing.js';
import { idempotencyKey } from '../session.js';
import { useSession } from '../session-context.js';

export default function DebitDetailPage({ params }: PageProps) {
  const { t } = useI18n();
  const { client } = useSession();
  const id = params.id ?? '';
  const debit = useLoad(() => client.GET('/v1/debits/{id}', { params: { path: { id } } }), [id]);
  const refunds = useLoad(() => client.GET('/v1/debits/{id}/refunds', { params: { path: { id } } }), [id]);
  return (
    <>
      <p>
        <Link to="/debits">{t('common.back')}</Link>
      </p>
      <PageTitle>{t('debit.title', { id })}</PageTitle>
      <Show loaded={debit}>
        {(d) => (
          <>
            {d.failure && (
              <section className="failure" aria-labelledby="failure-title">
                <h2 id="failure-title">{t('field.failure')}</h2>
                <Facts
                  items={[
                    ['field.failureCode', <code>{d.failure.code}</code>],
                    ['field.failureMessage', d.failure.message ?? '—'],
                  ]}
                />
              </section>
            )}
            <Facts
              items={[
                ['field.reference', d.reference],
                ['field.amount', <Money fen={d.amount} />],
                ['field.status', <Status value={d.status} />],
                ['field.channel', d.channel ?? '—'],
                ['field.mandate', d.mandate_id ? <Link to={`/mandates/${d.mandate_id}`}>{d.mandate_id}</Link> : '—'],
                ['field.merchant', d.merchant_id],
                ['field.businessDate', d.business_date],
                ['field.fees', <><Money fen={d.fees.merchant} /> / <Money fen={d.fees.channel} /> / <Money fen={d.fees.payer} /></>],
                ['field.refunded', <Money fen={d.refunded_amount} />],
                ['field.description', d.description ?? '—'],
                ['field.created', dateTime(d.created_at)],
                ['field.updated', dateTime(d.updated_at)],
              ]}
            />
            <h2>{t('debit.timeline')}</h2>
            <Timeline events={d.events ?? []} />
            <h2>{t('debit.routing')}</h2>
            <RoutingExplanation routing={d.routing} />
            <h2>{t('debit.refunds')}</h2>
            <Show loaded={refunds}>
              {(list) => (
                <Table caption={t('debit.refunds')} head={['field.id', 'field.amount', 'field.status', 'field.created']}>
                  {list.data.length === 0 && <Empty columns={4} />}
                  {list.data.map((refund) => (
                    <tr key={refund.id}>
                      <td>
                        <Link to={`/payouts/${refund.id}`}>{refund.id}</Link>
                      </td>
                      <td className="num">
                        <Money fen={refund.amount} />
                      </td>
                      <td>
                        <Status value={refund.status} />
                      </td>
                      <td>{dateTime(refund.created_at)}</td>
                    </tr>
                  ))}
                </Table>
              )}
            </Show>
            {d.status === 'succeeded' && d.refunded_amount < d.amount && (
              <RefundForm
                debitId={d.id}
                onDone={() => {
                  debit.reload();
                  refunds.reload();
                }}
              />
            )}
          </>
        )}
      </Show>
    </>
  );
}

function RefundForm({ debitId, onDone }: { debitId: string; onDone(): void }) {
  const { t } = useI18n();
  const { client } = useSession();
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const amountFen = amount.trim() === '' ? undefined : parseYuan(amount.trim());
    if (amountFen === null) return setMessage({ ok: false, text: t('debit.refundBadAmount') });
    setBusy(true);
    const { data, error, response } = await client.POST('/v1/debits/{id}/refunds', {
      params: { path: { id: debitId }, header: { 'idempotency-key': idempotencyKey() } },
      body: { ...(amountFen === undefined ? {} : { amount: amountFen }), ...(reason.trim() ? { reason: reason.trim() } : {}) },
    });
    setBusy(false);
    if (data) {
      setMessage({ ok: true, text: t('debit.refundCreated', { id: data.id, status: t(`status.${data.status}`) }) });
      setAmount('');
      setReason('');
      onDone();
    } else setMessage({ ok: false, text: t('app.error', { detail: problemText(error, response.status) }) });
  };
  return (
    <section aria-labelledby="refund-title">
      <h2 id="refund-title">{t('debit.refund')}</h2>
      <form className="stack" onSubmit={submit}>
        <label>
          {t('debit.refundAmount')}
          <input name="refund-amount" inputMode="decimal" value={amount} onChange={(event) => setAmount(event.target.value)} />
        </label>
        <label>
          {t('debit.refundReason')}
          <input name="refund-reason" maxLength={140} value={reason} onChange={(event) => setReason(event.target.value)} />
        </label>
        <button type="submit" disabled={busy}>
          {t('debit.refundSubmit')}
        </button>
        {message && (
          <p role={message.ok ? 'status' : 'alert'} className={message.ok ? 'notice' : 'error'}>
            {message.text}
          </p>
        )}
      </form>
    </section>
  );
}
