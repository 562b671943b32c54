import type { Schemas } from '../../src/client/index.js';
import { Money, Table } from './components.js';
import { useI18n } from './i18n/index.js';

/** Why an instruction went where it went: every channel considered, eligible or not, and the rule versions that excluded it. */
export function RoutingExplanation({ routing }: { routing: Schemas['RoutingDecision'] | null }) {
  const { t } = useI18n();
  if (routing === null) return <p>{t('debit.routingNone')}</p>;
  const version = (rule: { id: string; version: number }) => `${rule.id} v${rule.version}`;
  return (
    <>
      <p>{t('debit.routingAt', { date: routing.at, channel: routing.channel ?? '—' })}</p>
      <Table caption={t('debit.routing')} head={['debit.considered', 'debit.eligible', 'debit.reasons', 'debit.excludedBy', 'debit.cost']}>
        {routing.considered.map((option) => (
          <tr key={option.channel}>
            <th scope="row">{option.channel}</th>
            <td>{option.eligible ? t('common.yes') : t('common.no')}</td>
            <td>{option.reasons.join(', ')}</td>
            <td>{option.excluded_by.map(version).join(', ')}</td>
            <td className="num">
              <Money fen={option.cost} />
            </td>
          </tr>
        ))}
      </Table>
      {routing.rules.length > 0 && <p className="help">{t('debit.rulesInForce', { rules: routing.rules.map(version).join(', ') })}</p>}
    </>
  );
}

export function Timeline({ events }: { events: readonly { id: string; type: string; status: string; at: string }[] }) {
  const { t } = useI18n();
  return (
    <Table caption={t('debit.timeline')} head={['debit.event.at', 'debit.event.type', 'field.status']}>
      {events.map((event) => (
        <tr key={event.id}>
          <td>{event.at}</td>
          <td>{event.type}</td>
          <td>{event.status}</td>
        </tr>
      ))}
    </Table>
  );
}
