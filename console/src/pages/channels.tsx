import type { Schemas } from '../../../src/client/index.js';
import { useLoad } from '../api.js';
import { Empty, PageTitle, Show, Table } from '../components.js';
import { dateTime } from '../format.js';
import { useI18n } from '../i18n/index.js';
import { Link } from '../router.js';
import { useSession } from '../session-context.js';

type Rule = Schemas['Rule'];

const DAY_MS = 86_400_000;
/** How far past the last dated edge an open-ended window is drawn. */
const MARGIN_DAYS = 90;

function dayNumber(date: string): number {
  return Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
}

function dateOf(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** Channels with their breakers (GET /v1/channels), and the rules' effective windows on one timeline. */
export default function ChannelsPage() {
  const { t } = useI18n();
  const { client } = useSession();
  const channels = useLoad(() => client.GET('/v1/channels'), []);
  const rules = useLoad(() => client.GET('/v1/rules'), []);
  return (
    <>
      <PageTitle>{t('channels.title')}</PageTitle>
      <Show loaded={channels}>
        {(list) => (
          <Table caption={t('channels.health')} head={['field.id', 'channels.name', 'field.kind', 'channels.priority', 'channels.enabled', 'channels.breaker', 'channels.failures', 'channels.openUntil']}>
            {list.data.length === 0 && <Empty columns={8} />}
            {list.data.map((channel) => (
              <tr key={channel.id}>
                <td>{channel.id}</td>
                <td>{channel.name}</td>
                <td>{channel.type}</td>
                <td className="num">{channel.priority}</td>
                <td>{channel.enabled ? t('common.yes') : t('common.no')}</td>
                <td>
                  <span className={`status ${channel.health.breaker === 'open' ? 'status-failed' : 'status-succeeded'}`}>{t(channel.health.breaker === 'open' ? 'channels.breakerOpen' : 'channels.breakerClosed')}</span>
                </td>
                <td className="num">{channel.health.consecutive_failures}</td>
                <td>{dateTime(channel.health.open_until)}</td>
              </tr>
            ))}
          </Table>
        )}
      </Show>
      <h2 id="rules">{t('channels.rules')}</h2>
      <Show loaded={rules}>{(list) => <Timeline rules={list.data} />}</Show>
    </>
  );
}

function Timeline({ rules }: { rules: readonly Rule[] }) {
  const { t } = useI18n();
  if (rules.length === 0) return <p>{t('common.none')}</p>;
  const edges = rules.flatMap((rule) => [rule.effective_from, rule.effective_until]).filter((date): date is string => date !== null).map(dayNumber);
  const first = (edges.length > 0 ? Math.min(...edges) : Math.floor(Date.now() / DAY_MS)) - MARGIN_DAYS;
  const last = (edges.length > 0 ? Math.max(...edges) : Math.floor(Date.now() / DAY_MS)) + MARGIN_DAYS;
  const span = last - first;
  const percent = (day: number) => `${((day - first) * 100) / span}%`;
  return (
    <div className="timeline" aria-labelledby="rules">
      <div className="timeline-scale" aria-hidden="true">
        <span>{dateOf(first)}</span>
        <span>{dateOf(last)}</span>
      </div>
      <ul>
        {rules.map((rule) => {
          const from = rule.effective_from === null ? first : dayNumber(rule.effective_from);
          const until = rule.effective_until === null ? last : dayNumber(rule.effective_until) + 1;
          const window = t('channels.window', { from: rule.effective_from ?? t('channels.always'), until: rule.effective_until ?? t('channels.openEnded') });
          return (
            <li key={rule.id} className={rule.retired ? 'retired' : undefined}>
              <div className="timeline-label">
                <Link to={`/rules/${rule.id}`}>{rule.title}</Link>
                <span className="help">
                  {' '}
                  {rule.id} · {window}
                  {rule.retired ? ` · ${t('rule.retired')}` : ''}
                </span>
                {rule.notice_id !== null && (
                  <>
                    {' · '}
                    <Link to={`/notices/${rule.notice_id}`}>{t('rule.notice')}</Link>
                  </>
                )}
              </div>
              <div className="timeline-track" title={window}>
                <div className="timeline-bar" style={{ left: percent(from), width: `calc(${percent(until)} - ${percent(from)})` }} />
              </div>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
