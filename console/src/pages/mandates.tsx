import { useState, type FormEvent } from 'react';
import { useLoad } from '../api.js';
import { Empty, PageTitle, Pager, Show, Status, Table } from '../components.js';
import { dateTime } from '../format.js';
import { useI18n } from '../i18n/index.js';
import { Link } from '../router.js';
import { useSession } from '../session-context.js';

// The statuses the list can be filtered by (an expired mandate is still stored as active).
const MANDATE_STATUSES = ['active', 'revoked'] as const;
type MandateStatus = (typeof MANDATE_STATUSES)[number];

export default function MandatesPage() {
  const { t } = useI18n();
  const { client } = useSession();
  const [filters, setFilters] = useState<{ agreement: string; status: MandateStatus | '' }>({ agreement: '', status: '' });
  const [draft, setDraft] = useState(filters);
  const [cursors, setCursors] = useState<string[]>([]);
  const startingAfter = cursors.at(-1);
  const mandates = useLoad(
    () =>
      client.GET('/v1/mandates', {
        params: { query: { limit: 25, ...(filters.agreement ? { agreement_number: filters.agreement } : {}), ...(filters.status ? { status: filters.status } : {}), ...(startingAfter ? { starting_after: startingAfter } : {}) } },
      }),
    [filters, startingAfter],
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setFilters(draft);
    setCursors([]);
  };
  return (
    <>
      <PageTitle>{t('mandates.title')}</PageTitle>
      <form className="filters" role="search" aria-label={t('mandates.filters')} onSubmit={submit}>
        <label>
          {t('field.agreement')}
          <input name="agreement-number" value={draft.agreement} onChange={(event) => setDraft({ ...draft, agreement: event.target.value })} />
        </label>
        <label>
          {t('field.status')}
          <select name="status" value={draft.status} onChange={(event) => setDraft({ ...draft, status: MANDATE_STATUSES.find((s) => s === event.target.value) ?? '' })}>
            <option value="">{t('common.any')}</option>
            {MANDATE_STATUSES.map((status) => (
              <option key={status} value={status}>
                {t(`status.${status}`)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">{t('common.search')}</button>
      </form>
      <Show loaded={mandates}>
        {(list) => (
          <>
            <Table caption={t('mandates.title')} head={['field.agreement', 'field.status', 'field.holder', 'field.account', 'field.signed', 'field.id']}>
              {list.data.length === 0 && <Empty columns={6} />}
              {list.data.map((mandate) => (
                <tr key={mandate.id}>
                  <td>
                    <Link to={`/mandates/${mandate.id}`}>{mandate.agreement_number}</Link>
                  </td>
                  <td>
                    <Status value={mandate.status} />
                  </td>
                  <td>{mandate.payer.holder_name ?? '—'}</td>
                  <td>{mandate.payer.account_number_masked}</td>
                  <td>{dateTime(mandate.signed_at)}</td>
                  <td>{mandate.id}</td>
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
