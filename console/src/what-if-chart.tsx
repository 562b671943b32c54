import { Bar, BarChart, CartesianGrid, LabelList, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { Schemas } from '../../src/client/index.js';
import { yuan } from './format.js';
import { useI18n } from './i18n/index.js';

/**
 * The what-if per merchant: channel cost before and after, and the debits left unroutable. Its own
 * chunk, loaded only once a simulation has answered (recharts is most of the page's weight).
 */
export default function WhatIfChart({ simulation }: { simulation: Schemas['RuleSimulation'] }) {
  const { t } = useI18n();
  const data = simulation.merchants.map((merchant) => ({ name: merchant.merchant_id, before: merchant.cost_before, after: merchant.cost_after, unroutable: merchant.unroutable }));
  const money = (value: unknown) => (typeof value === 'number' ? `¥${yuan(value)}` : String(value));
  return (
    <>
      <figure className="chart" aria-labelledby="what-if-cost">
        <figcaption id="what-if-cost">{t('whatIf.costChart')}</figcaption>
        <ResponsiveContainer width="100%" height={280}>
          <BarChart data={data} margin={{ top: 24 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="name" />
            <YAxis tickFormatter={(value: number) => yuan(value)} width={90} />
            <Tooltip formatter={money} />
            <Legend />
            <Bar dataKey="before" name={t('whatIf.costBefore')} fill="#2e90fa" isAnimationActive={false}>
              <LabelList dataKey="before" position="top" formatter={money} />
            </Bar>
            <Bar dataKey="after" name={t('whatIf.costAfter')} fill="#f79009" isAnimationActive={false}>
              <LabelList dataKey="after" position="top" formatter={money} />
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      </figure>
      <figure className="chart" aria-labelledby="what-if-unroutable">
        <figcaption id="what-if-unroutable">{t('whatIf.unroutableChart')}</figcaption>
        <ResponsiveContainer width="100%" height={220}>
          <BarChart data={data} margin={{ top: 24 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="name" />
            <YAxis allowDecimals={false} />
            <Tooltip />
            <Bar dataKey="unroutable" name={t('whatIf.unroutable')} fill="#d92d20" isAnimationActive={false}>
              <LabelList dataKey="unroutable" position="top" />
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      </figure>
    </>
  );
}
