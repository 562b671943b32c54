import { createRouter, type BusinessDate } from '../core/index.js';
import type { AppContext } from './context.js';
import { checkRule, ruleRow, type RuleInput } from './channels.js';
import { validationFailed, type FieldError } from './errors.js';
import { channelFromRow, routingInput, ruleFromRow } from './routing-table.js';
import type { SimulationCursor } from './ports.js';

export interface SimulationRequest {
  /** The business date to route at, as if the debits were made that day. */
  at: BusinessDate;
  window: { from: BusinessDate; to: BusinessDate };
  add_rules?: RuleInput[] | undefined;
  remove_rules?: string[] | undefined;
}

export interface MerchantImpact {
  merchant_id: string;
  count: number;
  amount: number;
  channels_before: Record<string, number>;
  channels_after: Record<string, number>;
  cost_before: number;
  cost_after: number;
  unroutable: number;
}

export interface SimulationResult {
  at: string;
  window: { from: string; to: string };
  merchants: MerchantImpact[];
  totals: Omit<MerchantImpact, 'merchant_id'> & { merchants: number };
  /** Up to 100 debits that no channel could carry after the change. */
  unroutable_sample: string[];
}

const PAGE = 5_000;
const SAMPLE_MAX = 100;
/** Channel key for debits that had no channel (or would have none). */
const NONE = 'none';

/**
 * What-if (SPEC §6): replays the debits created in the window as they were routed, and again as
 * if routed on `at` with the rules changed as proposed. Set-based: the router is compiled once,
 * debits are read in keyset pages, and nothing is queried per debit.
 */
export async function simulateRules(ctx: Pick<AppContext, 'store' | 'clock'>, request: SimulationRequest, onProgress?: (debits: number) => void): Promise<SimulationResult> {
  const errors: FieldError[] = [];
  if (request.window.to < request.window.from) errors.push({ pointer: '/window/to', code: 'before_from', detail: 'window.to is before window.from.' });
  (request.add_rules ?? []).forEach((rule, index) => errors.push(...checkRule(rule, `/add_rules/${index}`)));
  if (errors.length > 0) throw validationFailed(errors);

  const [channelRows, ruleRows] = await Promise.all([ctx.store.listChannels(), ctx.store.listCurrentRules()]);
  // A misspelt id would otherwise simulate "no change" and look like an answer.
  const knownRules = new Set(ruleRows.map((row) => row.id));
  const knownChannels = new Set(channelRows.map((row) => row.id));
  (request.remove_rules ?? []).forEach((id, index) => {
    if (!knownRules.has(id)) errors.push({ pointer: `/remove_rules/${index}`, code: 'unknown_rule', detail: `No rule ${id} exists.` });
  });
  (request.add_rules ?? []).forEach((rule, index) =>
    (rule.applies_to.channels ?? []).forEach((id, position) => {
      if (!knownChannels.has(id)) errors.push({ pointer: `/add_rules/${index}/applies_to/channels/${position}`, code: 'unknown_channel', detail: `No channel ${id} exists.` });
    }),
  );
  if (errors.length > 0) throw validationFailed(errors);
  const removed = new Set(request.remove_rules ?? []);
  const added = request.add_rules ?? [];
  const replaced = new Set(added.map((rule) => rule.id));
  const now = ctx.clock.now().toISOString();
  const rules = [
    ...ruleRows.filter((row) => row.retired === 0 && !removed.has(row.id) && !replaced.has(row.id)).map(ruleFromRow),
    // A proposed rule is version 0: it has never been in force.
    ...added.map((rule) => ruleFromRow(ruleRow(rule, 0, now))),
  ];
  const router = createRouter(channelRows.map(channelFromRow), rules);

  const byMerchant = new Map<string, MerchantImpact>();
  const sample: string[] = [];
  let after: SimulationCursor | null = null;
  let seen = 0;
  for (;;) {
    const rows = await ctx.store.listSimulationRows(request.window.from, request.window.to, after, PAGE);
    if (rows.length === 0) break;
    for (const row of rows) {
      // Debits refused by their mandate were never routed; they say nothing about channels.
      if (row.status === 'rejected' && row.failure_code !== 'no_eligible_channel') continue;
      let impact = byMerchant.get(row.merchant_id);
      if (impact === undefined) {
        impact = { merchant_id: row.merchant_id, count: 0, amount: 0, channels_before: {}, channels_after: {}, cost_before: 0, cost_after: 0, unroutable: 0 };
        byMerchant.set(row.merchant_id, impact);
      }
      const after = router.choose(routingInput(row, row, row.amount, request.at));
      const before = row.channel_id ?? NONE;
      impact.count += 1;
      impact.amount += row.amount;
      impact.channels_before[before] = (impact.channels_before[before] ?? 0) + 1;
      impact.cost_before += row.channel_cost;
      const afterChannel = after?.channel ?? NONE;
      impact.channels_after[afterChannel] = (impact.channels_after[afterChannel] ?? 0) + 1;
      if (after === null) {
        impact.unroutable += 1;
        if (sample.length < SAMPLE_MAX) sample.push(row.id);
      } else {
        impact.cost_after += after.cost;
      }
    }
    seen += rows.length;
    onProgress?.(seen);
    const last = rows[rows.length - 1]!;
    after = { business_date: last.business_date, id: last.id };
    if (rows.length < PAGE) break;
  }

  const merchants = [...byMerchant.values()].sort((a, b) => (a.merchant_id < b.merchant_id ? -1 : 1));
  const totals = { merchants: merchants.length, count: 0, amount: 0, channels_before: {} as Record<string, number>, channels_after: {} as Record<string, number>, cost_before: 0, cost_after: 0, unroutable: 0 };
  for (const impact of merchants) {
    totals.count += impact.count;
    totals.amount += impact.amount;
    totals.cost_before += impact.cost_before;
    totals.cost_after += impact.cost_after;
    totals.unroutable += impact.unroutable;
    for (const [channel, count] of Object.entries(impact.channels_before)) totals.channels_before[channel] = (totals.channels_before[channel] ?? 0) + count;
    for (const [channel, count] of Object.entries(impact.channels_after)) totals.channels_after[channel] = (totals.channels_after[channel] ?? 0) + count;
  }
  return { at: request.at, window: request.window, merchants, totals, unroutable_sample: sample };
}
