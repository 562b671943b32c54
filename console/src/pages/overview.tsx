import { useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { Schemas } from '../../../src/client/index.js';
import { useLoad } from '../api.js';
import { Money, PageTitle, Show } from '../components.js';
import { yuan } from '../format.js';
import { useI18n } from '../i18n/index.js';
import { useSession } from '../session-context.js';

/** The debits the success rate and the volume are counted on: the latest ones, a page of 100 at a time. */
const SAMPLE_PAGES = 5;

type Debit = Schemas['Debit'];

async function latestDebits(client: ReturnType<typeof useSession>['client']) {
  const debits: Debit[] = [];
  let startingAfter: string | undefined;
  for (let page = 0; page < SAMPLE_PAGES; page += 1) {
    const { data, error, response } = await client.GET('/v1/debits', { params: { query: { limit: 100, ...(startingAfter ? { starting_after: startingAfter } : {}) } } });
    if (!data) return { error, response };
    debits.push(...data.data);
    if (!data.has_more) break;
    startingAfter = data.data.at(-1)?.id;
  }
  return { data: debits, response: new Response() };
}

/** Amount axes and tooltips show yuan; the values stay integer fen. */
const fenTick = (value: number) => yuan(value);

export default function OverviewPage() {
  const { t } = useI18n();
  const { client, role } = useSession();
  const [period, setPeriod] = useState<{ from: string; to: string }>({ from: '', to: '' });
  const debits = useLoad(() => latestDebits(client), []);
  const margin = useLoad(
    () =>
      role === 'operator'
        ? client.GET('/v1/reports/margin', { params: { query: { ...(period.from ? { from: period.from } : {}), ...(period.to ? { to: period.to } : {}) } } })
        : Promise.resolve({ data: null, response: new Response() }),
    [role, period.from, period.to],
  );
  return (
    <>
      <PageTitle>{t('overview.title')}</PageTitle>
      <Show loaded={debits}>
        {(list) => {
          const succeeded = list.filter((debit) => debit.status === 'succeeded');
          const ended = succeeded.length + list.filter((debit) => debit.status === 'failed').length;
          // Whole tenths of a percent, in integers.
          const rateTenths = ended === 0 ? 0 : Math.round((succeeded.length * 1000) / ended);
          const volumeFen = succeeded.reduce((sum, debit) => sum + debit.amount, 0);
          const byDay = new Map<string, { date: string; succeeded: number; failed: number; other: number }>();
          for (const debit of list) {
            const day = byDay.get(debit.business_date) ?? { date: debit.business_date, succeeded: 0, failed: 0, other: 0 };
            if (debit.status === 'succeeded') day.succeeded += 1;
            else if (debit.status === 'failed') day.failed += 1;
            else day.other += 1;
            byDay.set(debit.business_date, day);
          }
          const days = [...byDay.values()].sort((a, b) => a.date.localeCompare(b.date));
          return (
            <>
              <div className="cards">
                <div className="card">
                  <div>{t('overview.debits')}</div>
                  <div className="value">{list.length}</div>
                </div>
                <div className="card">
                  <div>{t('overview.volume')}</div>
                  <div className="value">
                    <Money fen={volumeFen} />
                  </div>
                </div>
                <div className="card">
                  <div>{t('overview.successRate')}</div>
                  <div className="value">{`${Math.trunc(rateTenths / 10)}.${rateTenths % 10}%`}</div>
                  <div className="help">{t('overview.successRateValue', { rate: `${Math.trunc(rateTenths / 10)}.${rateTenths % 10}`, ended })}</div>
                </div>
              </div>
              <p className="help">{t('overview.sample', { count: list.length })}</p>
              <figure className="chart" aria-labelledby="volume-by-day">
                <figcaption id="volume-by-day">{t('overview.volumeByDay')}</figcaption>
                <ResponsiveContainer width="100%" height={240}>
                  <BarChart data={days}>
                    <CartesianGrid strokeDasharray="3 3" />
                    <XAxis dataKey="date" />
                    <YAxis allowDecimals={false} />
                    <Tooltip />
                    <Legend />
                    <Bar dataKey="succeeded" name={t('status.succeeded')} stackId="d" fill="#12b76a" isAnimationActive={false} />
                    <Bar dataKey="failed" name={t('status.failed')} stackId="d" fill="#d92d20" isAnimationActive={false} />
                    <Bar dataKey="other" name={t('status.pending')} stackId="d" fill="#fdb022" isAnimationActive={false} />
                  </BarChart>
                </ResponsiveContainer>
              </figure>
            </>
          );
        }}
      </Show>
      {role === 'operator' ? (
        <>
          <form className="filters" aria-label={t('overview.period')} onSubmit={(event) => event.preventDefault()}>
            <label>
              {t('overview.from')}
              <input type="date" name="from" value={period.from} onChange={(event) => setPeriod({ ...period, from: event.target.value })} />
            </label>
            <label>
              {t('overview.to')}
              <input type="date" name="to" value={period.to} onChange={(event) => setPeriod({ ...period, to: event.target.value })} />
            </label>
          </form>
          <Show loaded={margin}>{(report) => report && <MarginCharts report={report} />}</Show>
        </>
      ) : (
        <p className="help">{t('overview.marginOperatorOnly')}</p>
      )}
    </>
  );
}

function MarginCharts({ report }: { report: Schemas['MarginReport'] }) {
  const { t } = useI18n();
  const sum = (key: 'channel' | 'date') => {
    const totals = new Map<string, { name: string; revenue: number; cost: number; margin: number; debits: number }>();
    for (const line of report.lines) {
      const name = line[key];
      const total = totals.get(name) ?? { name, revenue: 0, cost: 0, margin: 0, debits: 0 };
      total.revenue += line.revenue;
      total.cost += line.channel_cost;
      total.margin += line.margin;
      total.debits += line.debits;
      totals.set(name, total);
    }
    return [...totals.values()].sort((a, b) => a.name.localeCompare(b.name));
  };
  // An array, not a fragment: recharts looks for its parts among a chart's direct children.
  const bars = [
    <CartesianGrid key="grid" strokeDasharray="3 3" />,
    <XAxis key="x" dataKey="name" />,
    <YAxis key="y" tickFormatter={fenTick} width={90} />,
    <Tooltip key="tip" formatter={(value) => (typeof value === 'number' ? `¥${yuan(value)}` : String(value))} />,
    <Legend key="legend" />,
    <Bar key="revenue" dataKey="revenue" name={t('overview.revenue')} fill="#2e90fa" isAnimationActive={false} />,
    <Bar key="cost" dataKey="cost" name={t('overview.cost')} fill="#f79009" isAnimationActive={false} />,
    <Bar key="margin" dataKey="margin" name={t('overview.margin')} fill="#12b76a" isAnimationActive={false} />,
  ];
  return (
    <>
      <div className="cards">
        <div className="card">
          <div>{t('overview.revenue')}</div>
          <div className="value">
            <Money fen={report.totals.revenue} />
          </div>
        </div>
        <div className="card">
          <div>{t('overview.cost')}</div>
          <div className="value">
            <Money fen={report.totals.channel_cost} />
          </div>
        </div>
        <div className="card">
          <div>{t('overview.margin')}</div>
          <div className="value">
            <Money fen={report.totals.margin} />
          </div>
        </div>
      </div>
      <figure className="chart" aria-labelledby="margin-by-channel">
        <figcaption id="margin-by-channel">{t('overview.costByChannel')}</figcaption>
        <ResponsiveContainer width="100%" height={260}>
          <BarChart data={sum('channel')}>{bars}</BarChart>
        </ResponsiveContainer>
      </figure>
      <figure className="chart" aria-labelledby="margin-by-day">
        <figcaption id="margin-by-day">{t('overview.marginByDay')}</figcaption>
        <ResponsiveContainer width="100%" height={260}>
          <BarChart data={sum('date')}>{bars}</BarChart>
        </ResponsiveContainer>
      </figure>
    </>
  );
}
