import { checkFeeSchedule, isCalendarDate, SANDBOX_ENDPOINT, type Capability, type ChannelType, type FeeSchedule, type RuleConditions } from '../core/index.js';
import type { AppContext } from './context.js';
import { nowIso } from './context.js';
import { AppError, concurrentChange, notFound, validationFailed, type FieldError } from './errors.js';
import { checkNoticeExists } from './notices.js';
import type { CatalogStore, ChannelRow, NoticeStore, RuleRow } from './ports.js';

export { SANDBOX_ENDPOINT };

export interface ChannelInput {
  id: string;
  type: ChannelType;
  name: string;
  region_code?: string | undefined;
  bank_code?: string | undefined;
  capabilities: Capability[];
  cost_schedule: FeeSchedule;
  priority: number;
  enabled?: boolean | undefined;
  endpoint?: string | undefined;
}

export type ChannelPatch = Partial<Omit<ChannelInput, 'id'>>;

function scheduleErrors(schedule: FeeSchedule | undefined): FieldError[] {
  if (schedule === undefined) return [];
  return checkFeeSchedule(schedule).map((error) => ({ ...error, pointer: `/cost_schedule${error.pointer}` }));
}

export async function createChannel(ctx: AppContext, input: ChannelInput): Promise<ChannelRow> {
  const errors = scheduleErrors(input.cost_schedule);
  if (errors.length > 0) throw validationFailed(errors);
  const at = nowIso(ctx);
  const row = channelRow(input, at, null);
  // One conditional insert: a concurrent create of the same id finds it taken, never overwrites it.
  if ((await ctx.store.insertChannel(row)) === 'id_taken') {
    throw new AppError('conflict', `A channel ${input.id} exists already; change it with PATCH.`, [{ pointer: '/id', code: 'already_used', detail: 'Channel ids are unique.' }]);
  }
  ctx.routing.invalidate();
  return row;
}

export function channelRow(input: ChannelInput, createdAt: string, updatedAt: string | null): ChannelRow {
  return {
    id: input.id,
    type: input.type,
    name: input.name,
    region_code: input.region_code ?? null,
    bank_code: input.bank_code ?? null,
    capabilities: JSON.stringify(input.capabilities),
    cost_schedule: JSON.stringify(input.cost_schedule),
    priority: input.priority,
    enabled: input.enabled === false ? 0 : 1,
    endpoint: input.endpoint ?? SANDBOX_ENDPOINT,
    created_at: createdAt,
    updated_at: updatedAt,
  };
}

/** What a channel's row says, read back as the input that writes it (the inverse of channelRow). */
function channelInput(row: ChannelRow): ChannelInput {
  return {
    id: row.id,
    type: row.type,
    name: row.name,
    region_code: row.region_code ?? undefined,
    bank_code: row.bank_code ?? undefined,
    capabilities: JSON.parse(row.capabilities) as Capability[],
    cost_schedule: JSON.parse(row.cost_schedule) as FeeSchedule,
    priority: row.priority,
    enabled: row.enabled === 1,
    endpoint: row.endpoint,
  };
}

export async function updateChannel(ctx: AppContext, id: string, patch: ChannelPatch): Promise<ChannelRow> {
  const errors = scheduleErrors(patch.cost_schedule);
  if (errors.length > 0) throw validationFailed(errors);
  const row = await ctx.store.transaction(async (tx) => {
    const existing = await tx.getChannel(id);
    if (existing === null) throw notFound('channel', id);
    const next = channelRow({ ...channelInput(existing), ...patch, id }, existing.created_at, nowIso(ctx));
    await tx.upsertChannel(next);
    return next;
  });
  ctx.routing.invalidate();
  return row;
}

export async function getChannel(ctx: AppContext, id: string): Promise<ChannelRow> {
  const row = await ctx.store.getChannel(id);
  if (row === null) throw notFound('channel', id);
  return row;
}

/** A rule as the API reads and writes it (SPEC §6). */
export interface RuleInput {
  id: string;
  title: string;
  source: string;
  effective_from?: string | null | undefined;
  effective_until?: string | null | undefined;
  applies_to: { channels?: string[] | undefined; types?: string[] | undefined };
  allow_only?: RuleConditions | undefined;
  deny?: RuleConditions | undefined;
  /** The notice (公告) the rule comes from; it must exist. */
  notice_id?: string | null | undefined;
}

/** Checks what the schema cannot: dates, exactly one effect, something to apply to. */
export function checkRule(input: RuleInput, base = ''): FieldError[] {
  const errors: FieldError[] = [];
  for (const key of ['effective_from', 'effective_until'] as const) {
    const value = input[key];
    if (value !== undefined && value !== null && !isCalendarDate(value)) {
      errors.push({ pointer: `${base}/${key}`, code: 'invalid_date', detail: `${key} is a business date written YYYY-MM-DD.` });
    }
  }
  if (input.effective_from && input.effective_until && input.effective_until < input.effective_from) {
    errors.push({ pointer: `${base}/effective_until`, code: 'before_effective_from', detail: 'effective_until is before effective_from.' });
  }
  if ((input.allow_only === undefined) === (input.deny === undefined)) {
    errors.push({ pointer: `${base}/allow_only`, code: 'one_effect', detail: 'Give exactly one of allow_only and deny.' });
  }
  if (!input.applies_to.channels?.length && !input.applies_to.types?.length) {
    errors.push({ pointer: `${base}/applies_to`, code: 'empty', detail: 'applies_to names at least one channel or channel type.' });
  }
  return errors;
}

/** The row of a rule's next version; versions start at 1. */
export function ruleRow(input: RuleInput, version: number, createdAt: string, retired = false): RuleRow {
  return {
    id: input.id,
    version,
    title: input.title,
    source: input.source,
    effective_from: input.effective_from ?? null,
    effective_until: input.effective_until ?? null,
    applies_to: JSON.stringify(input.applies_to),
    effect: input.allow_only !== undefined ? 'allow_only' : 'deny',
    conditions: JSON.stringify(input.allow_only ?? input.deny),
    retired: retired ? 1 : 0,
    notice_id: input.notice_id ?? null,
    created_at: createdAt,
  };
}

/**
 * Writes a new version of a rule unless its newest version says the same; returns the newest
 * version either way. Never rewrites an old version: debits keep naming the one that routed them.
 */
export async function putRule(ctx: AppContext, input: RuleInput, tx?: CatalogStore & Pick<NoticeStore, 'getNotice'>, mode: 'create' | 'upsert' = 'upsert'): Promise<RuleRow> {
  const errors = checkRule(input);
  if (errors.length > 0) throw validationFailed(errors);
  const write = async (t: CatalogStore & Pick<NoticeStore, 'getNotice'>) => {
    await checkNoticeExists(t, input.notice_id, '/notice_id');
    const versions = await t.listRuleVersions(input.id);
    const latest = versions.at(-1);
    // Checked in the transaction, so that of two concurrent creations one is refused.
    if (mode === 'create' && latest !== undefined) {
      throw new AppError('conflict', `A rule ${input.id} exists already; PUT /v1/rules/${input.id} makes a new version.`, [
        { pointer: '/id', code: 'already_used', detail: 'Rule ids are unique.' },
      ]);
    }
    const next = ruleRow(input, (latest?.version ?? 0) + 1, nowIso(ctx));
    if (latest !== undefined && latest.retired === 0 && sameRule(latest, next)) return latest;
    if ((await t.insertRuleVersion(next)) === 'version_taken') throw concurrentChange();
    return next;
  };
  const row = tx ? await write(tx) : await ctx.store.transaction(write);
  ctx.routing.invalidate();
  return row;
}

/** Takes a rule out of force from now on by writing a retired version. */
export async function retireRule(ctx: AppContext, id: string): Promise<RuleRow> {
  const row = await ctx.store.transaction(async (tx) => {
    const latest = (await tx.listRuleVersions(id)).at(-1);
    if (latest === undefined) throw notFound('rule', id);
    if (latest.retired === 1) return latest;
    const retired = { ...latest, version: latest.version + 1, retired: 1, created_at: nowIso(ctx) };
    if ((await tx.insertRuleVersion(retired)) === 'version_taken') throw concurrentChange();
    return retired;
  });
  ctx.routing.invalidate();
  return row;
}

function sameRule(a: RuleRow, b: RuleRow): boolean {
  const keys = ['title', 'source', 'effective_from', 'effective_until', 'applies_to', 'effect', 'conditions', 'notice_id'] as const;
  return keys.every((key) => a[key] === b[key]);
}

export async function getRuleVersions(ctx: AppContext, id: string): Promise<RuleRow[]> {
  const versions = await ctx.store.listRuleVersions(id);
  if (versions.length === 0) throw notFound('rule', id);
  return versions;
}
