import { useEffect, useState } from 'react';
import type { Schemas } from '../../../src/client/index.js';
import { problemText, useLoad } from '../api.js';
import { ErrorBox, Facts, PageTitle, Pager, Show, Status, Table } from '../components.js';
import { dateTime } from '../format.js';
import { useI18n } from '../i18n/index.js';
import type { PageProps } from '../nav.js';
import { Link, navigate } from '../router.js';
import { EndpointState, SecretOnce } from '../secret-once.js';
import { useSession } from '../session-context.js';

const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed', 'cancelled'] as const;
type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
/** Deliveries are asked for again this often while the page is open: attempts happen in the background. */
const REFRESH_MS = 2_000;

/** One webhook endpoint: its settings, enable/disable, secret rotation, deletion, and its deliveries. */
export default function WebhookDetailPage({ params }: PageProps) {
  const { t } = useI18n();
  const { client } = useSession();
  const id = params.id ?? '';
  const endpoint = useLoad(() => client.GET('/v1/webhook-endpoints/{id}', { params: { path: { id } } }), [id]);
  const [secret, setSecret] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const setEnabled = async (enabled: boolean) => {
    setBusy(true);
    setError(null);
    const { data, error: problem, response } = await client.PATCH('/v1/webhook-endpoints/{id}', { params: { path: { id } }, body: { enabled } });
    setBusy(false);
    if (data) endpoint.reload();
    else setError(problemText(problem, response.status));
  };
  const rotate = async () => {
    setBusy(true);
    setError(null);
    const { data, error: problem, response } = await client.POST('/v1/webhook-endpoints/{id}/rotate-secret', { params: { path: { id } }, body: {} });
    setBusy(false);
    if (data) {
      setSecret(data.secret);
      endpoint.reload();
    } else setError(problemText(problem, response.status));
  };
  const remove = async () => {
    setError(null);
    const { error: problem, response } = await client.DELETE('/v1/webhook-endpoints/{id}', { params: { path: { id } } });
    setConfirming(false);
    if (response.ok) navigate('/webhooks');
    else setError(problemText(problem, response.status));
  };

  return (
    <>
      <p>
        <Link to="/webhooks">{t('common.back')}</Link>
      </p>
      <PageTitle>{t('webhook.title', { id })}</PageTitle>
      {secret !== null && <SecretOnce endpointId={id} secret={secret} onDone={() => setSecret(null)} />}
      <Show loaded={endpoint}>
        {(e) => (
          <>
            <Facts
              items={[
                ['webhook.url', <code>{e.url}</code>],
                ['webhook.eventTypes', e.event_types.join(', ')],
                ['webhook.state', <EndpointState enabled={e.enabled} reason={e.disabled_reason} />],
                ['webhook.ordered', e.ordered ? t('common.yes') : t('common.no')],
                ['field.description', e.description ?? '—'],
                ['field.merchant', e.merchant_id],
                ['webhook.previousSecret', e.previous_secret_expires_at === null ? '—' : t('webhook.previousSecretUntil', { at: dateTime(e.previous_secret_expires_at) })],
                ['field.created', dateTime(e.created_at)],
                ['field.updated', dateTime(e.updated_at)],
              ]}
            />
            <div className="actions">
              <button type="button" disabled={busy} onClick={() => setEnabled(!e.enabled)}>
                {e.enabled ? t('webhook.disable') : t('webhook.enable')}
              </button>{' '}
              <button type="button" disabled={busy} onClick={rotate} aria-describedby="rotate-help">
                {t('webhook.rotate')}
              </button>{' '}
              {!confirming && (
                <button type="button" className="danger" onClick={() => setConfirming(true)}>
                  {t('webhook.delete')}
                </button>
              )}
              <p id="rotate-help" className="help">
                {t('webhook.rotateHelp')}
              </p>
            </div>
            {confirming && (
              <div role="alertdialog" aria-labelledby="delete-confirm" className="failure">
                <p id="delete-confirm">{t('webhook.deleteConfirm', { url: e.url })}</p>
                <button type="button" className="danger" onClick={remove} autoFocus>
                  {t('webhook.delete')}
                </button>{' '}
                <button type="button" onClick={() => setConfirming(false)}>
                  {t('webhook.keep')}
                </button>
              </div>
            )}
          </>
        )}
      </Show>
      {error !== null && <ErrorBox detail={error} />}
      <Deliveries endpointId={id} />
    </>
  );
}

function Deliveries({ endpointId }: { endpointId: string }) {
  const { t } = useI18n();
  const { client } = useSession();
  const [status, setStatus] = useState<DeliveryStatus | ''>('');
  const [cursors, setCursors] = useState<string[]>([]);
  const startingAfter = cursors.at(-1);
  const deliveries = useLoad(
    () =>
      client.GET('/v1/webhook-endpoints/{id}/deliveries', {
        params: { path: { id: endpointId }, query: { limit: 10, ...(status ? { status } : {}), ...(startingAfter ? { starting_after: startingAfter } : {}) } },
      }),
    [endpointId, status, startingAfter],
  );
  useEffect(() => {
    const timer = setTimeout(deliveries.reload, REFRESH_MS);
    return () => clearTimeout(timer);
  });
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const redeliver = async (delivery: Schemas['WebhookDelivery']) => {
    setMessage(null);
    const { data, error, response } = await client.POST('/v1/events/{id}/redeliver', { params: { path: { id: delivery.event_id } }, body: { endpoint_id: endpointId } });
    if (data) {
      setMessage({ ok: true, text: t('deliveries.redelivered', { event: delivery.event_id }) });
      deliveries.reload();
    } else setMessage({ ok: false, text: problemText(error, response.status) });
  };
  return (
    <section aria-labelledby="deliveries-title">
      <h2 id="deliveries-title">{t('deliveries.title')}</h2>
      <form className="filters" role="search" aria-label={t('deliveries.filter')} onSubmit={(event) => event.preventDefault()}>
        <label>
          {t('field.status')}
          <select
            name="status"
            value={status}
            onChange={(event) => {
              setStatus(DELIVERY_STATUSES.find((s) => s === event.target.value) ?? '');
              setCursors([]);
            }}
          >
            <option value="">{t('common.any')}</option>
            {DELIVERY_STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`status.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={deliveries.reload}>
          {t('common.refresh')}
        </button>
      </form>
      {message && (message.ok ? <p role="status" className="notice">{message.text}</p> : <ErrorBox detail={message.text} />)}
      <Show loaded={deliveries}>
        {(list) => (
          <>
            {list.data.length === 0 && <p>{t('deliveries.none')}</p>}
            {list.data.map((delivery) => (
              <Delivery key={delivery.id} delivery={delivery} onRedeliver={() => redeliver(delivery)} />
            ))}
            <Pager hasMore={list.has_more} lastId={list.data.at(-1)?.id} cursors={cursors} setCursors={setCursors} />
          </>
        )}
      </Show>
    </section>
  );
}

function Delivery({ delivery, onRedeliver }: { delivery: Schemas['WebhookDelivery']; onRedeliver(): void }) {
  const { t } = useI18n();
  const titleId = `delivery-${delivery.id}`;
  return (
    <section className="delivery" aria-labelledby={titleId}>
      <h3 id={titleId}>{t('delivery.title', { id: delivery.id })}</h3>
      <Facts
        items={[
          ['field.status', <Status value={delivery.status} />],
          ['delivery.event', <Link to={`/events?id=${delivery.event_id}`}>{delivery.event_id}</Link>],
          ['delivery.attempts', String(delivery.attempt_count)],
          ['delivery.lastStatus', delivery.last_status_code === null ? '—' : String(delivery.last_status_code)],
          ['delivery.nextAttempt', dateTime(delivery.next_attempt_at)],
          ['delivery.delivered', dateTime(delivery.delivered_at)],
        ]}
      />
      <Table caption={t('delivery.attemptsOf', { id: delivery.id })} head={['delivery.number', 'delivery.at', 'delivery.httpStatus', 'delivery.latency', 'delivery.response', 'delivery.error']}>
        {delivery.attempts.length === 0 && (
          <tr>
            <td colSpan={6}>{t('delivery.noAttempts')}</td>
          </tr>
        )}
        {delivery.attempts.map((attempt) => (
          <tr key={attempt.number}>
            <td className="num">{attempt.number}</td>
            <td>{dateTime(attempt.at)}</td>
            <td className="num">{attempt.status_code ?? '—'}</td>
            <td className="num">{attempt.latency_ms === null ? '—' : t('delivery.ms', { ms: attempt.latency_ms })}</td>
            <td className="excerpt">{attempt.response_excerpt === null ? '—' : <code>{attempt.response_excerpt}</code>}</td>
            <td>{attempt.error ?? '—'}</td>
          </tr>
        ))}
      </Table>
      <p>
        <button type="button" onClick={onRedeliver}>
          {t('delivery.redeliver', { event: delivery.event_id })}
        </button>
      </p>
    </section>
  );
}
