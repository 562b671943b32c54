import { accounts, businessDate, ledgerTransaction } from '../../src/core/index.js';
import type { TestHub } from './hub.js';

/**
 * Puts money in a merchant's `available`, as settlement will: a balanced test-only transaction
 * from a channel's clearing account (the ledger's builder, posted through the store).
 */
export async function fundAvailable(t: TestHub, merchantId: string, amountFen: number, ref: string): Promise<void> {
  const ctx = t.hub.ctx;
  const now = ctx.clock.now();
  await ctx.store.postLedgerTransactions([
    {
      id: ctx.ids.next('ledgerTransaction'),
      transaction: ledgerTransaction('test_funding', 'test', ref, [
        { account: accounts.channelClearing('sandbox-clearing'), amountFen },
        { account: accounts.merchantAvailable(merchantId), amountFen: -amountFen },
      ]),
      at: now.toISOString(),
      businessDate: businessDate(now),
    },
  ]);
}
