import { useState, type FormEvent } from 'react';
import type { Schemas } from '../../../src/client/index.js';
import { problemText, useLoad } from '../api.js';
import { ErrorBox, Facts, PageTitle, Show, Table } from '../components.js';
import { dateTime } from '../format.js';
import { useI18n } from '../i18n/index.js';
import type { PageProps } from '../nav.js';
import { Link } from '../router.js';
import { useSession } from '../session-context.js';

type Rule = Schemas['Rule'];

/** A rule, every version it has had, and the notice it comes from; the operator links it to another. */
export default function RuleDetailPage({ params }: PageProps) {
  const { t } = useI18n();
  const { client } = useSession();
  const id = params.id ?? '';
  const rule = useLoad(() => client.GET('/v1/rules/{id}', { params: { path: { id } } }), [id]);
  return (
    <Show loaded={rule}>
      {(r) => (
        <>
          <PageTitle>{t('rule.title', { title: r.title })}</PageTitle>
          <p>
            <Link to="/channels">{t('rule.back')}</Link>
          </p>
          <Facts
            items={[
              ['field.id', r.id],
              ['rule.version', r.version],
              ['rule.source', r.source],
              ['rule.window', t('channels.window', { from: r.effective_from ?? t('channels.always'), until: r.effective_until ?? t('channels.openEnded') })],
              ['rule.appliesTo', [...(r.applies_to.channels ?? []), ...(r.applies_to.types ?? [])].join(', ')],
              ['rule.effect', `${r.allow_only ? 'allow_only' : 'deny'} ${JSON.stringify(r.allow_only ?? r.deny)}`],
              ['rule.isRetired', r.retired ? t('common.yes') : t('common.no')],
              ['rule.notice', r.notice_id === null ? t('rule.noNotice') : <NoticeLink id={r.notice_id} />],
            ]}
          />
          {!r.retired && <LinkNotice rule={r} onLinked={rule.reload} />}
          <h2>{t('rule.versions')}</h2>
          <Table caption={t('rule.versions')} head={['rule.version', 'field.created', 'rule.window', 'rule.notice', 'rule.isRetired']}>
            {r.versions.map((version) => (
              <tr key={version.version}>
                <td className="num">{version.version}</td>
                <td>{dateTime(version.created_at)}</td>
                <td>{`${version.effective_from ?? '…'} – ${version.effective_until ?? '…'}`}</td>
                <td>{version.notice_id === null ? '—' : <NoticeLink id={version.notice_id} />}</td>
                <td>{version.retired ? t('common.yes') : t('common.no')}</td>
              </tr>
            ))}
          </Table>
        </>
      )}
    </Show>
  );
}

/** A link to a notice, named by its title once read (by its id until then, or if it cannot be read). */
function NoticeLink({ id }: { id: string }) {
  const { client } = useSession();
  const notice = useLoad(() => client.GET('/v1/notices/{id}', { params: { path: { id } } }), [id]);
  return <Link to={`/notices/${id}`}>{notice.state === 'ok' ? notice.data.title : id}</Link>;
}

/** Names a notice on the rule: a new version (PUT), the same in all else. */
function LinkNotice({ rule, onLinked }: { rule: Rule; onLinked(): void }) {
  const { t } = useI18n();
  const { client } = useSession();
  const notices = useLoad(() => client.GET('/v1/notices', { params: { query: { limit: 100 } } }), []);
  const [chosen, setChosen] = useState(rule.notice_id ?? '');
  const [failure, setFailure] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { data, error, response } = await client.PUT('/v1/rules/{id}', {
      params: { path: { id: rule.id } },
      body: {
        title: rule.title,
        source: rule.source,
        effective_from: rule.effective_from,
        effective_until: rule.effective_until,
        applies_to: rule.applies_to,
        ...(rule.allow_only ? { allow_only: rule.allow_only } : { deny: rule.deny }),
        notice_id: chosen === '' ? null : chosen,
      },
    });
    if (data) {
      setFailure(null);
      onLinked();
    } else setFailure(problemText(error, response.status));
  };
  return (
    <Show loaded={notices}>
      {(list) => (
        <form className="filters" aria-label={t('rule.linkForm')} onSubmit={submit}>
          <label>
            {t('rule.linkNotice')}
            <select name="notice_id" value={chosen} onChange={(event) => setChosen(event.target.value)}>
              <option value="">{t('rule.noNotice')}</option>
              {list.data.map((notice) => (
                <option key={notice.id} value={notice.id}>
                  {notice.title} ({notice.source})
                </option>
              ))}
            </select>
          </label>
          <button type="submit">{t('rule.saveNotice')}</button>
          {failure && <ErrorBox detail={failure} />}
        </form>
      )}
    </Show>
  );
}
