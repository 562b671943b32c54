import { useState, type FormEvent } from 'react';
import { useI18n, type MessageKey } from './i18n/index.js';
import { useSession } from './session-context.js';

/**
 * What a list of debits or payouts is searched by (SPEC §12): reference, status, channel, creation
 * range, and for the operator the merchant (a merchant key sees only its own).
 */
export interface InstructionFilters {
  merchantId: string;
  reference: string;
  status: string;
  channel: string;
  /** Shanghai calendar dates, `YYYY-MM-DD`, or ''. */
  createdFrom: string;
  createdTo: string;
}

export const NO_FILTERS: InstructionFilters = { merchantId: '', reference: '', status: '', channel: '', createdFrom: '', createdTo: '' };

const INSTRUCTION_STATUSES = ['pending', 'submitted', 'succeeded', 'failed', 'rejected'] as const;
export type InstructionStatus = (typeof INSTRUCTION_STATUSES)[number];

/** The query the list endpoints take: empty filters left out, dates as the start of that day in Shanghai. */
export function filterQuery(filters: InstructionFilters) {
  const startOfDay = (date: string) => `${date}T00:00:00+08:00`;
  return {
    ...(filters.merchantId ? { merchant_id: filters.merchantId } : {}),
    ...(filters.reference ? { reference: filters.reference } : {}),
    ...(filters.status ? { status: filters.status as InstructionStatus } : {}),
    ...(filters.channel ? { channel: filters.channel } : {}),
    ...(filters.createdFrom ? { created_gte: startOfDay(filters.createdFrom) } : {}),
    ...(filters.createdTo ? { created_lt: startOfDay(filters.createdTo) } : {}),
  };
}

export function FilterForm({ title, onSearch }: { title: MessageKey; onSearch(filters: InstructionFilters): void }) {
  const { t } = useI18n();
  const { role } = useSession();
  const [draft, setDraft] = useState<InstructionFilters>(NO_FILTERS);
  const set = (name: keyof InstructionFilters) => (event: { target: { value: string } }) => setDraft({ ...draft, [name]: event.target.value });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSearch(draft);
  };
  return (
    <form className="filters" role="search" aria-label={t(title)} onSubmit={submit}>
      {role === 'operator' && (
        <label>
          {t('field.merchant')}
          <input name="merchant_id" value={draft.merchantId} onChange={set('merchantId')} />
        </label>
      )}
      <label>
        {t('field.reference')}
        <input name="reference" value={draft.reference} onChange={set('reference')} />
      </label>
      <label>
        {t('field.status')}
        <select name="status" value={draft.status} onChange={set('status')}>
          <option value="">{t('common.any')}</option>
          {INSTRUCTION_STATUSES.map((status) => (
            <option key={status} value={status}>
              {t(`status.${status}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('field.channel')}
        <input name="channel" value={draft.channel} onChange={set('channel')} />
      </label>
      <label>
        {t('common.createdFrom')}
        <input name="created-from" type="date" value={draft.createdFrom} onChange={set('createdFrom')} />
      </label>
      <label>
        {t('common.createdTo')}
        <input name="created-to" type="date" value={draft.createdTo} onChange={set('createdTo')} />
      </label>
      <button type="submit">{t('common.search')}</button>
      <button
        type="button"
        onClick={() => {
          setDraft(NO_FILTERS);
          onSearch(NO_FILTERS);
        }}
      >
        {t('common.reset')}
      </button>
    </form>
  );
}
