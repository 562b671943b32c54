import { useLoad } from '../api.js';
import { Facts, PageTitle, Show } from '../components.js';
import { dateTime } from '../format.js';
import { useI18n } from '../i18n/index.js';
import type { PageProps } from '../nav.js';
import { Link } from '../router.js';
import { useSession } from '../session-context.js';

export default function NoticeDetailPage({ params }: PageProps) {
  const { t } = useI18n();
  const { client, role } = useSession();
  const id = params.id ?? '';
  const notice = useLoad(() => client.GET('/v1/notices/{id}', { params: { path: { id } } }), [id]);
  // Only operators read rules; a merchant sees the notice alone.
  const rules = useLoad(() => (role === 'operator' ? client.GET('/v1/rules') : Promise.resolve({ data: null, response: new Response() })), [role]);
  return (
    <Show loaded={notice}>
      {(n) => (
        <>
          <PageTitle>{n.title}</PageTitle>
          <p>
            <Link to="/notices">{t('common.back')}</Link>
          </p>
          <Facts
            items={[
              ['notice.source', n.source_kind === 'url' ? <a href={n.source} rel="noreferrer noopener" target="_blank">{n.source}</a> : n.source],
              ['notice.author', n.author],
              ['notice.published', dateTime(n.published_at)],
              ['field.created', dateTime(n.created_at)],
              ['field.id', n.id],
            ]}
          />
          <h2>{t('notice.body')}</h2>
          <div className="notice-body">{n.body}</div>
          {role === 'operator' && (
            <Show loaded={rules}>
              {(list) => {
                const citing = (list?.data ?? []).filter((rule) => rule.notice_id === n.id);
                return (
                  <>
                    <h2>{t('notice.rules')}</h2>
                    {citing.length === 0 ? (
                      <p>{t('notice.noRules')}</p>
                    ) : (
                      <ul>
                        {citing.map((rule) => (
                          <li key={rule.id}>
                            <Link to={`/rules/${rule.id}`}>{rule.title}</Link> ({rule.id})
                          </li>
                        ))}
                      </ul>
                    )}
                  </>
                );
              }}
            </Show>
          )}
        </>
      )}
    </Show>
  );
}
