import { useState, type FormEvent } from 'react';
import { problemText, useLoad } from '../api.js';
import { Empty, FormFailureBox, PageTitle, Pager, Show, Table, type FormFailure } from '../components.js';
import { dateTime } from '../format.js';
import { useI18n } from '../i18n/index.js';
import { Link, navigate } from '../router.js';
import { useSession } from '../session-context.js';

/** Notices (公告, SPEC §17): every key reads them; the operator publishes them here. */
export default function NoticesPage() {
  const { t } = useI18n();
  const { client, role } = useSession();
  const [text, setText] = useState('');
  const [draft, setDraft] = useState('');
  const [cursors, setCursors] = useState<string[]>([]);
  const startingAfter = cursors.at(-1);
  const notices = useLoad(
    () => client.GET('/v1/notices', { params: { query: { limit: 25, ...(text ? { q: text } : {}), ...(startingAfter ? { starting_after: startingAfter } : {}) } } }),
    [text, startingAfter],
  );
  const search = (event: FormEvent) => {
    event.preventDefault();
    setText(draft.trim());
    setCursors([]);
  };
  return (
    <>
      <PageTitle>{t('notices.title')}</PageTitle>
      <form className="filters" role="search" aria-label={t('notices.search')} onSubmit={search}>
        <label>
          {t('notices.text')}
          <input name="q" value={draft} maxLength={100} onChange={(event) => setDraft(event.target.value)} />
        </label>
        <button type="submit">{t('common.search')}</button>
      </form>
      <Show loaded={notices}>
        {(list) => (
          <>
            <Table caption={t('notices.title')} head={['notice.title', 'notice.source', 'notice.author', 'notice.published']}>
              {list.data.length === 0 && <Empty columns={4} />}
              {list.data.map((notice) => (
                <tr key={notice.id}>
                  <td>
                    <Link to={`/notices/${notice.id}`}>{notice.title}</Link>
                  </td>
                  <td>{notice.source}</td>
                  <td>{notice.author}</td>
                  <td>{dateTime(notice.published_at)}</td>
                </tr>
              ))}
            </Table>
            <Pager hasMore={list.has_more} lastId={list.data.at(-1)?.id} cursors={cursors} setCursors={setCursors} />
          </>
        )}
      </Show>
      {role === 'operator' && <PublishForm />}
    </>
  );
}

const EMPTY = { title: '', source: '', author: '', publishedAt: '', body: '' };

function PublishForm() {
  const { t } = useI18n();
  const { client } = useSession();
  const [draft, setDraft] = useState(EMPTY);
  const [failure, setFailure] = useState<FormFailure | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (name: keyof typeof EMPTY) => (event: { target: { value: string } }) => setDraft({ ...draft, [name]: event.target.value });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    // The picker gives a Shanghai wall-clock time (YYYY-MM-DDTHH:mm); the API wants its offset.
    const publishedAt = draft.publishedAt.length === 16 ? `${draft.publishedAt}:00+08:00` : draft.publishedAt;
    const { data, error, response } = await client.POST('/v1/notices', { body: { title: draft.title, source: draft.source, author: draft.author, published_at: publishedAt, body: draft.body } });
    setBusy(false);
    if (data) {
      navigate(`/notices/${data.id}`);
      return;
    }
    setFailure({ detail: problemText(error, response.status), fields: (error?.errors ?? []).map((e) => ({ pointer: e.pointer, detail: e.detail })) });
  };
  return (
    <>
      <h2 id="publish">{t('notices.publish')}</h2>
      <form className="stack wide" aria-labelledby="publish" onSubmit={submit}>
        <label>
          {t('notice.title')}
          <input name="title" required maxLength={200} value={draft.title} onChange={set('title')} />
        </label>
        <label>
          {t('notice.source')}
          <input name="source" required maxLength={300} value={draft.source} onChange={set('source')} aria-describedby="source-help" />
          <span id="source-help" className="help">
            {t('notices.sourceHelp')}
          </span>
        </label>
        <label>
          {t('notice.author')}
          <input name="author" required maxLength={100} value={draft.author} onChange={set('author')} />
        </label>
        <label>
          {t('notices.publishedAt')}
          <input name="published_at" type="datetime-local" required value={draft.publishedAt} onChange={set('publishedAt')} />
        </label>
        <label>
          {t('notice.body')}
          <textarea name="body" required rows={8} maxLength={20000} value={draft.body} onChange={set('body')} />
        </label>
        <button type="submit" disabled={busy}>
          {t('notices.submit')}
        </button>
        {failure && <FormFailureBox failure={failure} />}
      </form>
    </>
  );
}
