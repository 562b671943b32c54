import { useLoad } from '../api.js';
import { Facts, Money, PageTitle, Show, Status } from '../components.js';
import { dateTime } from '../format.js';
import { useI18n } from '../i18n/index.js';
import type { PageProps } from '../nav.js';
import { Link } from '../router.js';
import { RoutingExplanation, Timeline } from '../routing.js';
import { useSession } from '../session-context.js';

export default function PayoutDetailPage({ params }: PageProps) {
  const { t } = useI18n();
  const { client } = useSession();
  const id = params.id ?? '';
  const payout = useLoad(() => client.GET('/v1/payouts/{id}', { params: { path: { id } } }), [id]);
  return (
    <Show loaded={payout}>
      {(p) => (
        <>
          <p>
            <Link to={p.kind === 'refund' ? '/refunds' : '/payouts'}>{t('common.back')}</Link>
          </p>
          <PageTitle>{t(p.kind === 'refund' ? 'refund.title' : 'payout.title', { id })}</PageTitle>
          {p.failure && (
            <section className="failure" aria-labelledby="failure-title">
              <h2 id="failure-title">{t('field.failure')}</h2>
              <Facts
                items={[
                  ['field.failureCode', <code>{p.failure.code}</code>],
                  ['field.failureMessage', p.failure.message ?? '—'],
                ]}
              />
            </section>
          )}
          <Facts
            items={[
              ['field.reference', p.reference],
              ['field.kind', p.kind],
              ['field.amount', <Money fen={p.amount} />],
              ['field.fee', <Money fen={p.fee} />],
              ['field.status', <Status value={p.status} />],
              ['field.channel', p.channel ?? '—'],
              ['field.debit', p.debit_id ? <Link to={`/debits/${p.debit_id}`}>{p.debit_id}</Link> : '—'],
              ['field.payee', `${p.payee.holder_name} ${p.payee.account_number_masked}`],
              ['field.merchant', p.merchant_id],
              ['field.businessDate', p.business_date],
              ['field.description', p.description ?? '—'],
              ['field.created', dateTime(p.created_at)],
            ]}
          />
          <h2>{t('debit.timeline')}</h2>
          <Timeline events={p.events ?? []} />
          <h2>{t('debit.routing')}</h2>
          <RoutingExplanation routing={p.routing} />
        </>
      )}
    </Show>
  );
}
