import { useState } from 'react';
import { useLoad } from '../api.js';
import { Empty, Money, PageTitle, Pager, Show, Status, Table } from '../components.js';
import { FilterForm, filterQuery, NO_FILTERS, type InstructionFilters } from '../filters.js';
import { dateTime } from '../format.js';
import { useI18n } from '../i18n/index.js';
import { Link, useLocation } from '../router.js';
import { useSession } from '../session-context.js';

export default function DebitsPage() {
  const { t } = useI18n();
  const { client, role } = useSession();
  const operator = role === 'operator';
  const [filters, setFilters] = useState<InstructionFilters>(NO_FILTERS);
  const [cursors, setCursors] = useState<string[]>([]);
  const startingAfter = cursors.at(-1);
  // A batch's or a mandate's page links here with ?batch_id=… or ?mandate_id=…: its debits only.
  const { query } = useLocation();
  const batchId = query.get('batch_id');
  const mandateId = query.get('mandate_id');
  const debits = useLoad(
    () => client.GET('/v1/debits', { params: { query: { limit: 25, ...filterQuery(filters), ...(batchId ? { batch_id: batchId } : {}), ...(mandateId ? { mandate_id: mandateId } : {}), ...(startingAfter ? { starting_after: startingAfter } : {}) } } }),
    [filters, startingAfter, batchId, mandateId],
  );
  return (
    <>
      <PageTitle>{t('debits.title')}</PageTitle>
      <FilterForm
        title="debits.filters"
        onSearch={(next) => {
          setFilters(next);
          setCursors([]);
        }}
      />
      <Show loaded={debits}>
        {(list) => (
          <>
            <Table caption={t('debits.title')} head={[...(operator ? (['field.merchant'] as const) : []), 'field.reference', 'field.amount', 'field.status', 'field.channel', 'field.failureCode', 'field.created', 'field.id']}>
              {list.data.length === 0 && <Empty columns={operator ? 8 : 7} />}
              {list.data.map((debit) => (
                <tr key={debit.id}>
                  {operator && <td>{debit.merchant_id}</td>}
                  <td>
                    <Link to={`/debits/${debit.id}`}>{debit.reference}</Link>
                  </td>
                  <td className="num">
                    <Money fen={debit.amount} />
                  </td>
                  <td>
                    <Status value={debit.status} />
                  </td>
                  <td>{debit.channel ?? '—'}</td>
                  <td>{debit.failure?.code ?? ''}</td>
                  <td>{dateTime(debit.created_at)}</td>
                  <td>{debit.id}</td>
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
