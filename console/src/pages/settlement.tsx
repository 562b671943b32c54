import { useState } from 'react';
import { useLoad } from '../api.js';
import { Empty, Money, PageTitle, Pager, Show, Status, Table } from '../components.js';
import { dateTime } from '../format.js';
import { useI18n } from '../i18n/index.js';
import { useSession } from '../session-context.js';

export default function SettlementPage() {
  const { t } = useI18n();
  const { client, role } = useSession();
  // An operator picks the merchant whose balances to see; a merchant sees its own.
  const [merchantId, setMerchantId] = useState('');
  const merchants = useLoad(
    () => (role === 'operator' ? client.GET('/v1/merchants', { params: { query: { limit: 100 } } }) : Promise.resolve({ data: { object: 'list' as const, data: [], has_more: false }, response: new Response() })),
    [role],
  );
  const wantBalances = role === 'merchant' || merchantId !== '';
  const balances = useLoad(
    () => (wantBalances ? client.GET('/v1/balances', { params: { query: merchantId ? { merchant_id: merchantId } : {} } }) : Promise.resolve({ data: null, response: new Response() })),
    [merchantId, wantBalances],
  );
  const [cursors, setCursors] = useState<string[]>([]);
  const startingAfter = cursors.at(-1);
  const settlements = useLoad(
    () => client.GET('/v1/settlements', { params: { query: { limit: 25, ...(merchantId ? { merchant_id: merchantId } : {}), ...(startingAfter ? { starting_after: startingAfter } : {}) } } }),
    [merchantId, startingAfter],
  );
  return (
    <>
      <PageTitle>{t('settlement.title')}</PageTitle>
      {role === 'operator' && (
        <Show loaded={merchants}>
          {(list) => (
            <form className="filters" onSubmit={(event) => event.preventDefault()}>
              <label>
                {t('settlement.merchant')}
                <select
                  name="merchant"
                  value={merchantId}
                  onChange={(event) => {
                    setMerchantId(event.target.value);
                    setCursors([]);
                  }}
                >
                  <option value="">{t('common.any')}</option>
                  {list.data.map((merchant) => (
                    <option key={merchant.id} value={merchant.id}>
                      {merchant.name} ({merchant.id})
                    </option>
                  ))}
                </select>
              </label>
            </form>
          )}
        </Show>
      )}
      <h2>{t('settlement.balances')}</h2>
      {wantBalances ? (
        <Show loaded={balances}>
          {(b) =>
            b && (
              <div className="cards">
                <div className="card">
                  <div>{t('settlement.pending')}</div>
                  <div className="value">
                    <Money fen={b.pending} />
                  </div>
                </div>
                <div className="card">
                  <div>{t('settlement.available')}</div>
                  <div className="value">
                    <Money fen={b.available} />
                  </div>
                </div>
                <div className="card">
                  <div>{t('settlement.reserved')}</div>
                  <div className="value">
                    <Money fen={b.reserved} />
                  </div>
                </div>
              </div>
            )
          }
        </Show>
      ) : (
        <p>{t('settlement.pickMerchant')}</p>
      )}
      <h2>{t('settlement.settlements')}</h2>
      <Show loaded={settlements}>
        {(list) => (
          <>
            <Table caption={t('settlement.settlements')} head={['field.businessDate', 'settlement.sequence', 'settlement.settlesOn', 'field.status', 'settlement.count', 'field.amount', 'field.merchant', 'field.created']}>
              {list.data.length === 0 && <Empty columns={8} />}
              {list.data.map((settlement) => (
                <tr key={settlement.id}>
                  <td>{settlement.business_date}</td>
                  <td className="num">{settlement.sequence}</td>
                  <td>{settlement.settles_on}</td>
                  <td>
                    <Status value={settlement.status} />
                  </td>
                  <td className="num">{settlement.count}</td>
                  <td className="num">
                    <Money fen={settlement.amount} />
                  </td>
                  <td>{settlement.merchant_id}</td>
                  <td>{dateTime(settlement.created_at)}</td>
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
