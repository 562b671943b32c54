import { useState, type FormEvent } from 'react';
import { problemText, useLoad } from '../api.js';
import { Empty, FormFailureBox, PageTitle, Pager, Show, Table, type FormFailure } from '../components.js';
import { ALL_EVENT_TYPES, EVENT_TYPES } from '../event-types.js';
import { dateTime } from '../format.js';
import { useI18n } from '../i18n/index.js';
import { Link } from '../router.js';
import { EndpointState, SecretOnce } from '../secret-once.js';
import { useSession } from '../session-context.js';

/**
 * Webhook endpoints (SPEC §16): a merchant's own, or every merchant's for the operator; a new one
 * is registered here and its secret shown once.
 */
export default function WebhooksPage() {
  const { t } = useI18n();
  const { client, role } = useSession();
  const [cursors, setCursors] = useState<string[]>([]);
  const startingAfter = cursors.at(-1);
  const endpoints = useLoad(() => client.GET('/v1/webhook-endpoints', { params: { query: { limit: 25, ...(startingAfter ? { starting_after: startingAfter } : {}) } } }), [startingAfter]);
  const [created, setCreated] = useState<{ id: string; secret: string } | null>(null);
  const head = role === 'operator' ? (['webhook.url', 'field.merchant', 'webhook.eventTypes', 'webhook.state', 'webhook.ordered', 'field.created'] as const) : (['webhook.url', 'webhook.eventTypes', 'webhook.state', 'webhook.ordered', 'field.created'] as const);
  return (
    <>
      <PageTitle>{t('webhooks.title')}</PageTitle>
      <p className="help">{t('webhooks.intro')}</p>
      {created && <SecretOnce endpointId={created.id} secret={created.secret} onDone={() => setCreated(null)} />}
      <Show loaded={endpoints}>
        {(list) => (
          <>
            <Table caption={t('webhooks.endpoints')} head={head}>
              {list.data.length === 0 && <Empty columns={head.length} />}
              {list.data.map((endpoint) => (
                <tr key={endpoint.id}>
                  <td>
                    <Link to={`/webhooks/${endpoint.id}`}>{endpoint.url}</Link>
                    {endpoint.description && <div className="help">{endpoint.description}</div>}
                  </td>
                  {role === 'operator' && <td>{endpoint.merchant_id}</td>}
                  <td>{endpoint.event_types.join(', ')}</td>
                  <td>
                    <EndpointState enabled={endpoint.enabled} reason={endpoint.disabled_reason} />
                  </td>
                  <td>{endpoint.ordered ? t('common.yes') : t('common.no')}</td>
                  <td>{dateTime(endpoint.created_at)}</td>
                </tr>
              ))}
            </Table>
            <Pager hasMore={list.has_more} lastId={list.data.at(-1)?.id} cursors={cursors} setCursors={setCursors} />
          </>
        )}
      </Show>
      <CreateForm
        onCreated={(id, secret) => {
          setCreated({ id, secret });
          setCursors([]);
          endpoints.reload();
        }}
      />
    </>
  );
}

const EMPTY = { url: '', description: '', merchantId: '', types: [] as string[], ordered: false };

function CreateForm({ onCreated }: { onCreated(id: string, secret: string): void }) {
  const { t } = useI18n();
  const { client, role } = useSession();
  const [draft, setDraft] = useState(EMPTY);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<FormFailure | null>(null);
  const toggle = (type: string) => setDraft({ ...draft, types: draft.types.includes(type) ? draft.types.filter((x) => x !== type) : [...draft.types, type] });
  const all = draft.types.includes(ALL_EVENT_TYPES);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    if (draft.types.length === 0) {
      setFailure({ detail: t('webhooks.pickTypes'), fields: [] });
      return;
    }
    setBusy(true);
    const { data, error, response } = await client.POST('/v1/webhook-endpoints', {
      body: {
        url: draft.url.trim(),
        event_types: all ? [ALL_EVENT_TYPES] : draft.types,
        ...(draft.description.trim() ? { description: draft.description.trim() } : {}),
        ...(draft.ordered ? { ordered: true } : {}),
        ...(role === 'operator' ? { merchant_id: draft.merchantId.trim() } : {}),
      },
    });
    setBusy(false);
    if (data) {
      setDraft(EMPTY);
      onCreated(data.id, data.secret);
      return;
    }
    setFailure({ detail: problemText(error, response.status), fields: (error?.errors ?? []).map((e) => ({ pointer: e.pointer, detail: e.detail })) });
  };
  return (
    <>
      <h2 id="create-endpoint">{t('webhooks.create')}</h2>
      <form className="stack wide" aria-labelledby="create-endpoint" onSubmit={submit}>
        {role === 'operator' && (
          <label>
            {t('field.merchant')}
            <input name="merchant_id" required value={draft.merchantId} onChange={(event) => setDraft({ ...draft, merchantId: event.target.value })} />
          </label>
        )}
        <label>
          {t('webhook.url')}
          <input name="url" type="url" required maxLength={2048} placeholder="https://" value={draft.url} onChange={(event) => setDraft({ ...draft, url: event.target.value })} aria-describedby="url-help" />
          <span id="url-help" className="help">
            {t('webhooks.urlHelp')}
          </span>
        </label>
        <fieldset>
          <legend>{t('webhook.eventTypes')}</legend>
          <label className="check">
            <input type="checkbox" checked={all} onChange={() => toggle(ALL_EVENT_TYPES)} />
            {t('webhooks.allTypes')}
          </label>
          <div className="type-grid">
            {EVENT_TYPES.map((type) => (
              <label className="check" key={type}>
                <input type="checkbox" disabled={all} checked={all || draft.types.includes(type)} onChange={() => toggle(type)} />
                <code>{type}</code>
              </label>
            ))}
          </div>
        </fieldset>
        <label>
          {t('field.description')}
          <input name="description" maxLength={500} value={draft.description} onChange={(event) => setDraft({ ...draft, description: event.target.value })} />
        </label>
        <label className="check">
          <input type="checkbox" checked={draft.ordered} onChange={(event) => setDraft({ ...draft, ordered: event.target.checked })} />
          {t('webhooks.orderedHelp')}
        </label>
        <button type="submit" disabled={busy}>
          {t('webhooks.submit')}
        </button>
        {failure && <FormFailureBox failure={failure} />}
      </form>
    </>
  );
}
