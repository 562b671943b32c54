import { lazy, Suspense, useState, type FormEvent } from 'react';
import type { operations, Schemas } from '../../../src/client/index.js';
import { problemText, useLoad } from '../api.js';
import { Empty, ErrorBox, Money, PageTitle, Show, Table } from '../components.js';
import { useI18n } from '../i18n/index.js';
import { useSession } from '../session-context.js';

const WhatIfChart = lazy(() => import('../what-if-chart.js'));

/** A rule as POST /v1/rules/simulate takes it in `add_rules`. */
type AddedRule = NonNullable<operations['simulateRules']['requestBody']>['content']['application/json']['add_rules'] extends (infer Rule)[] | undefined ? Rule : never;


/** What-if (POST /v1/rules/simulate): pick a date and rule changes, see cost and unroutable per merchant. */
export default function WhatIfPage() {
  const { t } = useI18n();
  const { client } = useSession();
  const rules = useLoad(() => client.GET('/v1/rules'), []);
  const [at, setAt] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [removed, setRemoved] = useState<string[]>([]);
  const [added, setAdded] = useState('');
  const [result, setResult] = useState<Schemas['RuleSimulation'] | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    // Typed only by the parse: the API checks each added rule field by field, as POST /v1/rules does, and names the bad ones.
    let addRules: AddedRule[] = [];
    if (added.trim() !== '') {
      try {
        const parsed: unknown = JSON.parse(added);
        addRules = (Array.isArray(parsed) ? parsed : [parsed]) as AddedRule[];
      } catch {
        setFailure(t('whatIf.badJson'));
        return;
      }
    }
    setBusy(true);
    const { data, error, response } = await client.POST('/v1/rules/simulate', {
      body: { at, window: { from, to }, ...(removed.length > 0 ? { remove_rules: removed } : {}), ...(addRules.length > 0 ? { add_rules: addRules } : {}) },
    });
    setBusy(false);
    if (data) {
      setResult(data);
      setFailure(null);
    } else {
      setResult(null);
      setFailure(problemText(error, response.status));
    }
  };
  return (
    <>
      <PageTitle>{t('whatIf.title')}</PageTitle>
      <p className="help">{t('whatIf.help')}</p>
      <form className="stack wide" aria-label={t('whatIf.title')} onSubmit={submit}>
        <label>
          {t('whatIf.at')}
          <input type="date" name="at" required value={at} onChange={(event) => setAt(event.target.value)} />
        </label>
        <label>
          {t('whatIf.from')}
          <input type="date" name="from" required value={from} onChange={(event) => setFrom(event.target.value)} />
        </label>
        <label>
          {t('whatIf.to')}
          <input type="date" name="to" required value={to} onChange={(event) => setTo(event.target.value)} />
        </label>
        <fieldset>
          <legend>{t('whatIf.remove')}</legend>
          <Show loaded={rules}>
            {(list) => (
              <>
                {list.data
                  .filter((rule) => !rule.retired)
                  .map((rule) => (
                    <label key={rule.id} className="check">
                      <input
                        type="checkbox"
                        name="remove"
                        value={rule.id}
                        checked={removed.includes(rule.id)}
                        onChange={(event) => setRemoved(event.target.checked ? [...removed, rule.id] : removed.filter((id) => id !== rule.id))}
                      />
                      {rule.title} ({rule.id})
                    </label>
                  ))}
              </>
            )}
          </Show>
        </fieldset>
        <label>
          {t('whatIf.add')}
          <textarea name="add_rules" rows={4} value={added} onChange={(event) => setAdded(event.target.value)} placeholder='{"id": "…", "title": "…", "source": "…", "applies_to": {"types": ["collection_center"]}, "deny": {…}}' />
        </label>
        <button type="submit" disabled={busy}>
          {t('whatIf.run')}
        </button>
      </form>
      {failure && <ErrorBox detail={failure} />}
      {result && <Result simulation={result} />}
    </>
  );
}

function Result({ simulation }: { simulation: Schemas['RuleSimulation'] }) {
  const { t } = useI18n();
  const { totals } = simulation;
  return (
    <section aria-labelledby="what-if-result">
      <h2 id="what-if-result">{t('whatIf.result', { at: simulation.at, from: simulation.window.from, to: simulation.window.to })}</h2>
      <div className="cards">
        <div className="card">
          <div>{t('whatIf.debits')}</div>
          <div className="value">{totals.count}</div>
        </div>
        <div className="card">
          <div>{t('whatIf.costBefore')}</div>
          <div className="value">
            <Money fen={totals.cost_before} />
          </div>
        </div>
        <div className="card">
          <div>{t('whatIf.costAfter')}</div>
          <div className="value" data-testid="cost-after">
            <Money fen={totals.cost_after} />
          </div>
        </div>
        <div className="card">
          <div>{t('whatIf.unroutable')}</div>
          <div className="value" data-testid="unroutable">
            {totals.unroutable}
          </div>
        </div>
      </div>
      <Suspense fallback={<p aria-busy="true">{t('app.loading')}</p>}>
        <WhatIfChart simulation={simulation} />
      </Suspense>
      <Table caption={t('whatIf.perMerchant')} head={['field.merchant', 'whatIf.debits', 'field.amount', 'whatIf.costBefore', 'whatIf.costAfter', 'whatIf.unroutable']}>
        {simulation.merchants.length === 0 && <Empty columns={6} />}
        {simulation.merchants.map((merchant) => (
          <tr key={merchant.merchant_id}>
            <td>{merchant.merchant_id}</td>
            <td className="num">{merchant.count}</td>
            <td className="num">
              <Money fen={merchant.amount} />
            </td>
            <td className="num">
              <Money fen={merchant.cost_before} />
            </td>
            <td className="num">
              <Money fen={merchant.cost_after} />
            </td>
            <td className="num">{merchant.unroutable}</td>
          </tr>
        ))}
      </Table>
    </section>
  );
}
