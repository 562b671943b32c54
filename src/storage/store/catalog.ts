import type { ChannelRow, FeePlanRow, MerchantRow, Page, PageRequest, RuleRow } from '../../app/ports.js';
import { inserted, page, type Executor, type StoreContext } from './shared.js';

/** Merchants, channels, routing rules, fee plans and their allowance counters. */
export class Catalog {
  constructor(private readonly context: StoreContext) {}

  private get db(): Executor {
    return this.context.db;
  }

  async insertMerchant(row: MerchantRow): Promise<void> {
    await this.db.insertInto('merchants').values(row).execute();
  }

  async getMerchant(id: string): Promise<MerchantRow | null> {
    // Read by every group of API debits: a fixed text, prepared once on SQLite.
    const { dialect } = this.context;
    return (await dialect.selectRows<MerchantRow>(this.context, dialect.placeholders('select * from merchants where id = $1'), [id]))[0] ?? null;
  }

  async updateMerchantPlans(id: string, feePlan: string, payerFeePlan: string | null): Promise<void> {
    await this.db.updateTable('merchants').set({ fee_plan: feePlan, payer_fee_plan: payerFeePlan }).where('id', '=', id).execute();
  }

  async listMerchants(request: PageRequest): Promise<Page<MerchantRow>> {
    let query = this.db.selectFrom('merchants').selectAll();
    if (request.startingAfter) query = query.where('id', '<', request.startingAfter);
    return page(await query.orderBy('id', 'desc').limit(request.limit + 1).execute(), request.limit);
  }

  async insertChannel(row: ChannelRow): Promise<'inserted' | 'id_taken'> {
    const result = await this.db.insertInto('channels').values(row).onConflict((oc) => oc.column('id').doNothing()).executeTakeFirst();
    return inserted(result) ? 'inserted' : 'id_taken';
  }

  async upsertChannel(row: ChannelRow): Promise<void> {
    const { id: _id, created_at: _createdAt, ...rest } = row;
    await this.db
      .insertInto('channels')
      .values(row)
      .onConflict((oc) => oc.column('id').doUpdateSet(rest))
      .execute();
  }

  async listChannels(): Promise<ChannelRow[]> {
    return this.db.selectFrom('channels').selectAll().orderBy('priority').orderBy('id').execute();
  }

  async getChannel(id: string): Promise<ChannelRow | null> {
    return (await this.db.selectFrom('channels').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
  }

  async insertRuleVersion(row: RuleRow): Promise<'inserted' | 'version_taken'> {
    const result = await this.db
      .insertInto('routing_rules')
      .values(row)
      .onConflict((oc) => oc.columns(['id', 'version']).doNothing())
      .executeTakeFirst();
    return inserted(result) ? 'inserted' : 'version_taken';
  }

  async listRuleVersions(id: string): Promise<RuleRow[]> {
    return this.db.selectFrom('routing_rules').selectAll().where('id', '=', id).orderBy('version').execute();
  }

  async listCurrentRules(): Promise<RuleRow[]> {
    return this.db
      .selectFrom('routing_rules as r')
      .selectAll('r')
      .where('r.version', '=', (eb) => eb.selectFrom('routing_rules as n').select((e) => e.fn.max('n.version').as('v')).whereRef('n.id', '=', 'r.id'))
      .orderBy('r.id')
      .execute();
  }

  async insertFeePlanVersion(row: FeePlanRow): Promise<'inserted' | 'version_taken'> {
    const result = await this.db
      .insertInto('fee_plans')
      .values(row)
      .onConflict((oc) => oc.columns(['id', 'version']).doNothing())
      .executeTakeFirst();
    return inserted(result) ? 'inserted' : 'version_taken';
  }

  async listFeePlans(): Promise<FeePlanRow[]> {
    return this.db.selectFrom('fee_plans').selectAll().orderBy('id').orderBy('version').execute();
  }

  async lockAllowanceUsage(planId: string, subject: string, month: string): Promise<number> {
    await this.db
      .insertInto('allowance_usage')
      .values({ plan_id: planId, subject, month, amount: 0 })
      .onConflict((oc) => oc.columns(['plan_id', 'subject', 'month']).doNothing())
      .execute();
    const query = this.db
      .selectFrom('allowance_usage')
      .select('amount')
      .where('plan_id', '=', planId)
      .where('subject', '=', subject)
      .where('month', '=', month);
    return (await this.context.dialect.lockRows(query).executeTakeFirstOrThrow()).amount;
  }

  async addAllowanceUsage(planId: string, subject: string, month: string, deltaFen: number): Promise<void> {
    if (deltaFen < 0) {
      // A release: an update of the row the debit's charge made (see addMandateUsage).
      await this.db.updateTable('allowance_usage').set({ amount: (eb) => eb('amount', '+', deltaFen) }).where('plan_id', '=', planId).where('subject', '=', subject).where('month', '=', month).execute();
      return;
    }
    await this.db
      .insertInto('allowance_usage')
      .values({ plan_id: planId, subject, month, amount: deltaFen })
      .onConflict((oc) => oc.columns(['plan_id', 'subject', 'month']).doUpdateSet({ amount: (eb) => eb('allowance_usage.amount', '+', deltaFen) }))
      .execute();
  }
}
