import fs from 'node:fs';
import { nowIso, type AppContext } from './context.js';
import { channelRow, putRule, SANDBOX_ENDPOINT, type ChannelInput, type RuleInput } from './channels.js';
import { putFeePlan, type FeePlanInput } from './fee-plans.js';

interface ScenarioFile {
  channels: Omit<ChannelInput, 'endpoint' | 'enabled'>[];
  rules: RuleInput[];
  fee_plans: FeePlanInput[];
}

export const SCENARIOS = ['cn-2017'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export function isScenario(name: string): name is ScenarioName {
  return (SCENARIOS as readonly string[]).includes(name);
}

/**
 * Loads a shipped scenario (`data/scenarios/<name>.json`): its fee plans, its channels, carried by the sandbox,
 * replace the enabled set (others are disabled, not deleted: old debits name them), and its rules
 * get a new version only where they differ from the newest one. Loading twice changes nothing.
 */
export async function loadScenario(ctx: AppContext, name: ScenarioName): Promise<{ channels: number; rules: number; feePlans: number }> {
  const file = new URL(`../../data/scenarios/${name}.json`, import.meta.url);
  const scenario = JSON.parse(fs.readFileSync(file, 'utf8')) as ScenarioFile;
  const at = nowIso(ctx);
  await ctx.store.transaction(async (tx) => {
    const keep = new Set(scenario.channels.map((channel) => channel.id));
    for (const existing of await tx.listChannels()) {
      if (!keep.has(existing.id) && existing.enabled === 1) await tx.upsertChannel({ ...existing, enabled: 0, updated_at: at });
    }
    for (const channel of scenario.channels) {
      const existing = await tx.getChannel(channel.id);
      await tx.upsertChannel(channelRow({ ...channel, enabled: true, endpoint: SANDBOX_ENDPOINT }, existing?.created_at ?? at, existing === null ? null : at));
    }
    for (const rule of scenario.rules) await putRule(ctx, rule, tx);
    for (const plan of scenario.fee_plans) await putFeePlan(ctx, plan, tx);
  });
  ctx.routing.invalidate();
  return { channels: scenario.channels.length, rules: scenario.rules.length, feePlans: scenario.fee_plans.length };
}
