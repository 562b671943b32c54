import { useState } from 'react';
import { useLoad } from '../api.js';
import { Empty, Money, PageTitle, Pager, Show, Status, Table } from '../components.js';
import { FilterForm, filterQuery, NO_FILTERS, type InstructionFilters } from '../filters.js';
import { dateTime } from '../format.js';
import { useI18n } from '../i18n/index.js';
import { Link } from '../router.js';
import { useSession } from '../session-context.js';

/** Payouts and refunds are one list (a refund is a payout of kind refund, SPEC §14), shown as two pages. */
export function PayoutList({ kind }: { kind: 'payout' | 'refund' }) {
  const { t } = useI18n();
  const { client, role } = useSession();
  const operator = role === 'operator';
  const [filters, setFilters] = useState<InstructionFilters>(NO_FILTERS);
  const [cursors, setCursors] = useState<string[]>([]);
  const startingAfter = cursors.at(-1);
  const payouts = useLoad(
    () => client.GET('/v1/payouts', { params: { query: { limit: 25, kind, ...filterQuery(filters), ...(startingAfter ? { starting_after: startingAfter } : {}) } } }),
    [kind, filters, startingAfter],
  );
  const title = kind === 'refund' ? t('refunds.title') : t('payouts.title');
  return (
    <>
      <PageTitle>{title}</PageTitle>
      <FilterForm
        title={kind === 'refund' ? 'refunds.title' : 'payouts.title'}
        onSearch={(next) => {
          setFilters(next);
          setCursors([]);
        }}
      />
      <Show loaded={payouts}>
        {(list) => (
          <>
            <Table caption={title} head={[...(operator ? (['field.merchant'] as const) : []), 'field.reference', 'field.amount', 'field.status', 'field.channel', kind === 'refund' ? 'field.debit' : 'field.payee', 'field.failureCode', 'field.created', 'field.id']}>
              {list.data.length === 0 && <Empty columns={operator ? 9 : 8} />}
              {list.data.map((payout) => (
                <tr key={payout.id}>
                  {operator && <td>{payout.merchant_id}</td>}
                  <td>
                    <Link to={`/payouts/${payout.id}`}>{payout.reference}</Link>
                  </td>
                  <td className="num">
                    <Money fen={payout.amount} />
                  </td>
                  <td>
                    <Status value={payout.status} />
                  </td>
                  <td>{payout.channel ?? '—'}</td>
                  <td>{payout.debit_id ? <Link to={`/debits/${payout.debit_id}`}>{payout.debit_id}</Link> : `${payout.payee.holder_name} ${payout.payee.account_number_masked}`}</td>
                  <td>{payout.failure?.code ?? ''}</td>
                  <td>{dateTime(payout.created_at)}</td>
                  <td>{payout.id}</td>
                </tr>
              ))}
            </Table>
            <Pager hasMore={list.has_more} lastId={list.data.at(-1)?.id} cursors={cursors} setCursors={setCursors} />
          </>
        )}
      </Show>
    </>
  );
}

export default function PayoutsPage() {
  return <PayoutList kind="payout" />;
}
