import { Fragment, useState } from 'react';
import type { Schemas } from '../../../src/client/index.js';
import { useLoad } from '../api.js';
import { Empty, PageTitle, Pager, Show, Table } from '../components.js';
import { EVENT_TYPES, type EventType } from '../event-types.js';
import { dateTime } from '../format.js';
import { useI18n } from '../i18n/index.js';
import { Link, useLocation } from '../router.js';
import { useSession } from '../session-context.js';

/** Events (SPEC §16): newest first, by type, each one's JSON (what a webhook delivers) on demand. */
export default function EventsPage() {
  const { t } = useI18n();
  const { client } = useSession();
  const { query } = useLocation();
  const one = query.get('id');
  const [type, setType] = useState<EventType | ''>('');
  const [cursors, setCursors] = useState<string[]>([]);
  const startingAfter = cursors.at(-1);
  const events = useLoad(() => client.GET('/v1/events', { params: { query: { limit: 25, ...(type ? { type } : {}), ...(startingAfter ? { starting_after: startingAfter } : {}) } } }), [type, startingAfter]);
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const toggle = (id: string) => {
    const next = new Set(open);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setOpen(next);
  };
  return (
    <>
      <PageTitle>{t('events.title')}</PageTitle>
      {one !== null && <OneEvent id={one} />}
      <form className="filters" role="search" aria-label={t('events.filter')} onSubmit={(event) => event.preventDefault()}>
        <label>
          {t('events.type')}
          <select
            name="type"
            value={type}
            onChange={(event) => {
              setType(EVENT_TYPES.find((x) => x === event.target.value) ?? '');
              setCursors([]);
            }}
          >
            <option value="">{t('common.any')}</option>
            {EVENT_TYPES.map((x) => (
              <option key={x} value={x}>
                {x}
              </option>
            ))}
          </select>
        </label>
      </form>
      <Show loaded={events}>
        {(list) => (
          <>
            <Table caption={t('events.title')} head={['events.json', 'events.type', 'events.object', 'field.created', 'field.id']}>
              {list.data.length === 0 && <Empty columns={5} />}
              {list.data.map((event) => (
                <Fragment key={event.id}>
                  <tr>
                    <td>
                      <button type="button" aria-expanded={open.has(event.id)} aria-controls={`json-${event.id}`} aria-describedby={`id-${event.id}`} onClick={() => toggle(event.id)}>
                        {open.has(event.id) ? t('events.hideJson') : t('events.showJson')}
                      </button>
                    </td>
                    <td>
                      <code>{event.type}</code>
                    </td>
                    <td className="small">
                      <ObjectLink object={event.data.object} />
                    </td>
                    <td>{dateTime(event.created_at)}</td>
                    <td className="small" id={`id-${event.id}`}>{event.id}</td>
                  </tr>
                  {open.has(event.id) && (
                    <tr id={`json-${event.id}`}>
                      <td colSpan={5} className="json-cell">
                        <pre className="json">{JSON.stringify(event, null, 2)}</pre>
                      </td>
                    </tr>
                  )}
                </Fragment>
              ))}
            </Table>
            <Pager hasMore={list.has_more} lastId={list.data.at(-1)?.id} cursors={cursors} setCursors={setCursors} />
          </>
        )}
      </Show>
    </>
  );
}

/** The event a link named (`/events?id=evt_…`, from a delivery), shown whole above the list. */
function OneEvent({ id }: { id: string }) {
  const { t } = useI18n();
  const { client } = useSession();
  const event = useLoad(() => client.GET('/v1/events/{id}', { params: { path: { id } } }), [id]);
  return (
    <section aria-labelledby="one-event">
      <h2 id="one-event">{t('events.one', { id })}</h2>
      <Show loaded={event}>{(e) => <pre className="json">{JSON.stringify(e, null, 2)}</pre>}</Show>
    </section>
  );
}

/** The object an event is about, linked to its page when the console has one. */
function ObjectLink({ object }: { object: Schemas['Event']['data']['object'] }) {
  const pages: Partial<Record<string, string>> = { debit: '/debits', payout: '/payouts', mandate: '/mandates', batch: '/batches' };
  const base = pages[object.object];
  return base === undefined ? <>{object.id}</> : <Link to={`${base}/${object.id}`}>{object.id}</Link>;
}
