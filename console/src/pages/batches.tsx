import { useState, type FormEvent } from 'react';
import { problemText, useLoad } from '../api.js';
import { Empty, PageTitle, Pager, Show, Status, Table } from '../components.js';
import { dateTime } from '../format.js';
import { useI18n } from '../i18n/index.js';
import { Link, navigate } from '../router.js';
import { useSession } from '../session-context.js';

export default function BatchesPage() {
  const { t } = useI18n();
  const { client, role } = useSession();
  const [cursors, setCursors] = useState<string[]>([]);
  const startingAfter = cursors.at(-1);
  const batches = useLoad(() => client.GET('/v1/batches', { params: { query: { limit: 25, ...(startingAfter ? { starting_after: startingAfter } : {}) } } }), [startingAfter]);
  return (
    <>
      <PageTitle>{t('batches.title')}</PageTitle>
      {role === 'merchant' && <UploadForm />}
      <Show loaded={batches}>
        {(list) => (
          <>
            <Table caption={t('batches.title')} head={['field.id', 'field.format', 'field.kind', 'field.status', 'field.rows', 'field.accepted', 'field.rejected', 'field.succeeded', 'field.failed', 'field.created']}>
              {list.data.length === 0 && <Empty columns={10} />}
              {list.data.map((batch) => (
                <tr key={batch.id}>
                  <td>
                    <Link to={`/batches/${batch.id}`}>{batch.id}</Link>
                  </td>
                  <td>{batch.format}</td>
                  <td>{batch.kind}</td>
                  <td>
                    <Status value={batch.status} />
                  </td>
                  <td className="num">{batch.counts.rows}</td>
                  <td className="num">{batch.counts.accepted}</td>
                  <td className="num">{batch.counts.rejected}</td>
                  <td className="num">{batch.counts.succeeded}</td>
                  <td className="num">{batch.counts.failed}</td>
                  <td>{dateTime(batch.created_at)}</td>
                </tr>
              ))}
            </Table>
            <Pager hasMore={list.has_more} lastId={list.data.at(-1)?.id} cursors={cursors} setCursors={setCursors} />
          </>
        )}
      </Show>
    </>
  );
}

/** Uploads a file as the API takes it (the file itself as the body, streamed), then opens the batch to watch it run. */
function UploadForm() {
  const { t } = useI18n();
  const { client } = useSession();
  const [file, setFile] = useState<File | null>(null);
  const [kind, setKind] = useState<'debit' | 'payout'>('debit');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (file === null) return;
    setBusy(true);
    setMessage(null);
    const xml = /\.xml$/i.test(file.name) || file.type.includes('xml');
    const { data, error, response } = await client.POST('/v1/batches', {
      params: { query: xml ? {} : { kind } },
      body: file as unknown as string,
      bodySerializer: (body: unknown) => body as Blob,
      headers: { 'content-type': xml ? 'application/xml' : 'text/csv' },
    });
    setBusy(false);
    if (data) navigate(`/batches/${data.id}`);
    else setMessage(problemText(error, response.status));
  };
  return (
    <section aria-labelledby="upload-title">
      <h2 id="upload-title">{t('batches.upload')}</h2>
      <form className="stack" onSubmit={submit}>
        <label>
          {t('batches.file')}
          <input name="batch-file" type="file" accept=".csv,.xml,text/csv,application/xml" required onChange={(event) => setFile(event.target.files?.[0] ?? null)} />
        </label>
        <label>
          {t('batches.kind')}
          <select name="batch-kind" value={kind} onChange={(event) => setKind(event.target.value === 'payout' ? 'payout' : 'debit')}>
            <option value="debit">{t('batches.kind.debit')}</option>
            <option value="payout">{t('batches.kind.payout')}</option>
          </select>
        </label>
        <button type="submit" disabled={busy || file === null}>
          {t('batches.submit')}
        </button>
        {busy && <progress aria-label={t('batches.uploading')} />}
        {message !== null && <p role="alert" className="error">{t('app.error', { detail: message })}</p>}
      </form>
    </section>
  );
}
