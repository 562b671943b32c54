import { useEffect, useState } from 'react';
import { problemText, useLoad } from '../api.js';
import { ErrorBox, Facts, PageTitle, Show, Status } from '../components.js';
import { dateTime } from '../format.js';
import { useI18n } from '../i18n/index.js';
import type { PageProps } from '../nav.js';
import { Link } from '../router.js';
import { useSession } from '../session-context.js';

const REFRESH_MS = 1_000;

export default function BatchDetailPage({ params }: PageProps) {
  const { t } = useI18n();
  const { client } = useSession();
  const id = params.id ?? '';
  const batch = useLoad(() => client.GET('/v1/batches/{id}', { params: { path: { id } } }), [id]);
  const counts = batch.state === 'ok' ? batch.data.counts : null;
  const ended = counts ? counts.rejected + counts.succeeded + counts.failed : 0;
  const running = batch.state === 'ok' && (batch.data.status === 'processing' || (batch.data.status === 'completed' && ended < batch.data.counts.rows));
  // Live counts: asked again each second while rows have not ended.
  useEffect(() => {
    if (!running) return;
    const timer = setTimeout(batch.reload, REFRESH_MS);
    return () => clearTimeout(timer);
  });
  const [downloadError, setDownloadError] = useState<string | null>(null);
  const download = async () => {
    setDownloadError(null);
    const { data, error, response } = await client.GET('/v1/batches/{id}/report', { params: { path: { id } }, parseAs: 'blob' });
    if (!data) return setDownloadError(problemText(error, response.status));
    const url = URL.createObjectURL(data);
    const link = document.createElement('a');
    link.href = url;
    link.download = `${id}-report.csv`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };
  return (
    <>
      <p>
        <Link to="/batches">{t('common.back')}</Link>
      </p>
      <PageTitle>{t('batch.title', { id })}</PageTitle>
      <Show loaded={batch}>
        {(b) => (
          <>
            <h2 id="progress-title">{t('batch.progress')}</h2>
            <progress aria-labelledby="progress-title" max={Math.max(b.counts.rows, 1)} value={ended} />
            <p role="status">
              {t('batch.progressValue', { done: ended, rows: b.counts.rows })} {running ? t('batch.live') : t('batch.done')}
            </p>
            {b.error && <ErrorBox detail={t('batch.error', { detail: b.error.detail })} />}
            <Facts
              items={[
                ['field.status', <Status value={b.status} />],
                ['field.format', b.format],
                ['field.kind', b.kind],
                ['field.rows', b.counts.rows],
                ['field.accepted', b.counts.accepted],
                ['field.rejected', b.counts.rejected],
                ['field.succeeded', b.counts.succeeded],
                ['field.failed', b.counts.failed],
                ['field.created', dateTime(b.created_at)],
                ['field.completed', dateTime(b.completed_at)],
              ]}
            />
            <p>
              <button type="button" onClick={download}>
                {t('batch.report')}
              </button>
            </p>
            {downloadError !== null && <ErrorBox detail={downloadError} />}
            <p>
              <Link to={`/debits?batch_id=${b.id}`}>{t('debits.title')}</Link>
            </p>
          </>
        )}
      </Show>
    </>
  );
}
