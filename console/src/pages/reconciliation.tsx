import { useState, type FormEvent } from 'react';
import type { Schemas } from '../../../src/client/index.js';
import { problemText, useLoad } from '../api.js';
import { Empty, ErrorBox, Money, PageTitle, Pager, Show, Status, Table } from '../components.js';
import { dateTime } from '../format.js';
import { useI18n, type MessageKey } from '../i18n/index.js';
import { useSession } from '../session-context.js';

type Exception = Schemas['ReconciliationException'];
type Action = 'accept' | 'adjust' | 'write_off';

const ACTIONS: readonly [Action, MessageKey][] = [
  ['accept', 'recon.action.accept'],
  ['adjust', 'recon.action.adjust'],
  ['write_off', 'recon.action.writeOff'],
];

/** Reconciliation runs (SPEC §15), the exceptions of one, and resolving each with a reason. */
export default function ReconciliationPage() {
  const { t } = useI18n();
  const { client } = useSession();
  const [cursors, setCursors] = useState<string[]>([]);
  const startingAfter = cursors.at(-1);
  const runs = useLoad(() => client.GET('/v1/reconciliations', { params: { query: { limit: 25, ...(startingAfter ? { starting_after: startingAfter } : {}) } } }), [startingAfter]);
  const [chosen, setChosen] = useState<string | null>(null);
  return (
    <>
      <PageTitle>{t('recon.title')}</PageTitle>
      <Show loaded={runs}>
        {(list) => (
          <>
            <Table caption={t('recon.runs')} head={['field.channel', 'field.businessDate', 'field.status', 'recon.lines', 'recon.matched', 'recon.exceptions', 'field.created', 'field.id']}>
              {list.data.length === 0 && <Empty columns={8} />}
              {list.data.map((run) => {
                const counts = run.counts;
                const exceptions = counts === null ? null : counts.missing_in_daikou + counts.missing_in_statement + counts.amount_mismatch + counts.status_mismatch + counts.duplicate;
                return (
                  <tr key={run.id} aria-selected={chosen === run.id}>
                    <td>{run.channel}</td>
                    <td>{run.business_date}</td>
                    <td>
                      <Status value={run.status} />
                      {run.failure && <span className="help"> {run.failure.code}</span>}
                    </td>
                    <td className="num">{counts?.lines ?? '—'}</td>
                    <td className="num">{counts?.matched ?? '—'}</td>
                    <td className="num">{exceptions ?? '—'}</td>
                    <td>{dateTime(run.created_at)}</td>
                    <td>
                      {run.id}{' '}
                      <button type="button" onClick={() => setChosen(run.id)} aria-pressed={chosen === run.id} aria-label={t('recon.show', { id: run.id })}>
                        {t('recon.exceptions')}
                      </button>
                    </td>
                  </tr>
                );
              })}
            </Table>
            <Pager hasMore={list.has_more} lastId={list.data.at(-1)?.id} cursors={cursors} setCursors={setCursors} />
          </>
        )}
      </Show>
      {chosen && <Exceptions key={chosen} reconciliationId={chosen} />}
    </>
  );
}

function Exceptions({ reconciliationId }: { reconciliationId: string }) {
  const { t } = useI18n();
  const { client } = useSession();
  const exceptions = useLoad(() => client.GET('/v1/reconciliations/{id}/exceptions', { params: { path: { id: reconciliationId }, query: { limit: 100 } } }), [reconciliationId]);
  return (
    <>
      <h2>{t('recon.exceptionsOf', { id: reconciliationId })}</h2>
      <Show loaded={exceptions}>
        {(list) => (
          <Table caption={t('recon.exceptions')} head={['field.kind', 'recon.endToEnd', 'recon.statementSide', 'recon.daikouSide', 'recon.difference', 'field.status', 'recon.resolve']}>
            {list.data.length === 0 && <Empty columns={7} />}
            {list.data.map((exception) => (
              <ExceptionRow key={exception.id} exception={exception} onResolved={exceptions.reload} />
            ))}
          </Table>
        )}
      </Show>
    </>
  );
}

function ExceptionRow({ exception, onResolved }: { exception: Exception; onResolved(): void }) {
  const { t } = useI18n();
  const { client } = useSession();
  const [action, setAction] = useState<Action>('accept');
  const [reason, setReason] = useState('');
  const [failure, setFailure] = useState<string | null>(null);
  const resolve = async (event: FormEvent) => {
    event.preventDefault();
    const { data, error, response } = await client.POST('/v1/reconciliation-exceptions/{id}/resolve', { params: { path: { id: exception.id } }, body: { action, reason } });
    if (data) onResolved();
    else setFailure(problemText(error, response.status));
  };
  const side = (amount: number | undefined, status: string | undefined) => (amount === undefined ? '—' : <><Money fen={amount} /> {status}</>);
  return (
    <tr>
      <td>{exception.kind}</td>
      <td>{exception.end_to_end_id}</td>
      <td>{side(exception.statement?.amount, exception.statement?.status)}</td>
      <td>{side(exception.daikou?.amount, exception.daikou?.status)}</td>
      <td className="num">
        <Money fen={exception.difference} />
      </td>
      <td>
        <Status value={exception.status} />
      </td>
      <td>
        {exception.resolution ? (
          <span>{t('recon.resolvedAs', { action: exception.resolution.action, reason: exception.resolution.reason })}</span>
        ) : exception.status === 'open' ? (
          <form className="filters" aria-label={t('recon.resolveOne', { id: exception.id })} onSubmit={resolve}>
            <label>
              {t('recon.action')}
              <select name="action" value={action} onChange={(event) => setAction(event.target.value as Action)}>
                {ACTIONS.map(([value, label]) => (
                  <option key={value} value={value}>
                    {t(label)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t('recon.reason')}
              <input name="reason" required maxLength={500} value={reason} onChange={(event) => setReason(event.target.value)} />
            </label>
            <button type="submit">{t('recon.resolve')}</button>
            {failure && <ErrorBox detail={failure} />}
          </form>
        ) : (
          '—'
        )}
      </td>
    </tr>
  );
}
