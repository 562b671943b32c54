import { useEffect, useRef, type ReactNode } from 'react';
import { useI18n, type MessageKey } from './i18n/index.js';
import { yuan } from './format.js';
import type { Loaded } from './api.js';

export function PageTitle({ children }: { children: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  // A new page takes the focus at its title, so that keyboard and screen-reader users start there.
  useEffect(() => ref.current?.focus(), []);
  return (
    <h1 tabIndex={-1} ref={ref}>
      {children}
    </h1>
  );
}

export function Money({ fen }: { fen: number | null | undefined }) {
  const { t } = useI18n();
  if (fen === null || fen === undefined) return <>—</>;
  return <span className="money">{t('common.yuan', { amount: yuan(fen) })}</span>;
}

const STATUS_KEYS: Record<string, MessageKey> = {
  pending: 'status.pending',
  submitted: 'status.submitted',
  succeeded: 'status.succeeded',
  failed: 'status.failed',
  rejected: 'status.rejected',
  active: 'status.active',
  revoked: 'status.revoked',
  expired: 'status.expired',
  processing: 'status.processing',
  completed: 'status.completed',
  settled: 'status.settled',
  cancelled: 'status.cancelled',
};

export function Status({ value }: { value: string }) {
  const { t } = useI18n();
  const key = STATUS_KEYS[value];
  return <span className={`status status-${value}`}>{key ? t(key) : value}</span>;
}

export function ErrorBox({ detail }: { detail: string }) {
  const { t } = useI18n();
  return (
    <p role="alert" className="error">
      {t('app.error', { detail })}
    </p>
  );
}

/** Why a form was refused: the problem's detail and, field by field, each JSON pointer with its reason. */
export interface FormFailure {
  detail: string;
  fields: { pointer: string; detail: string }[];
}

export function FormFailureBox({ failure }: { failure: FormFailure }) {
  return (
    <div>
      <ErrorBox detail={failure.detail} />
      <ul>
        {failure.fields.map((field) => (
          <li key={field.pointer}>
            <code>{field.pointer}</code> {field.detail}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Draws a loaded value, or the loading line, or the error. */
export function Show<T>({ loaded, children }: { loaded: Loaded<T>; children: (data: T) => ReactNode }) {
  const { t } = useI18n();
  if (loaded.state === 'loading') return <p aria-busy="true">{t('app.loading')}</p>;
  if (loaded.state === 'error') return <ErrorBox detail={loaded.detail} />;
  return <>{children(loaded.data)}</>;
}

/** A label and its value, in a description list. */
export function Facts({ items }: { items: readonly [MessageKey, ReactNode][] }) {
  const { t } = useI18n();
  return (
    <dl className="facts">
      {items.map(([label, value]) => (
        <div key={label}>
          <dt>{t(label)}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/**
 * Cursor pagination (SPEC §12: `starting_after`, newest first): the cursors of the pages seen so
 * far, so that "first page" and "next page" work without counting.
 */
export function Pager({ hasMore, lastId, cursors, setCursors }: { hasMore: boolean; lastId: string | undefined; cursors: readonly string[]; setCursors(next: string[]): void }) {
  const { t } = useI18n();
  return (
    <nav className="pager" aria-label={t('common.pagination')}>
      <button type="button" disabled={cursors.length === 0} onClick={() => setCursors([])}>
        {t('common.first')}
      </button>
      <button type="button" disabled={!hasMore || lastId === undefined} onClick={() => lastId !== undefined && setCursors([...cursors, lastId])}>
        {t('common.next')}
      </button>
    </nav>
  );
}

export function Table({ caption, head, children }: { caption: string; head: readonly MessageKey[]; children: ReactNode }) {
  const { t } = useI18n();
  return (
    <div className="table-wrap">
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {head.map((key) => (
              <th key={key} scope="col">
                {t(key)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

export function Empty({ columns }: { columns: number }) {
  const { t } = useI18n();
  return (
    <tr>
      <td colSpan={columns}>{t('common.none')}</td>
    </tr>
  );
}
