import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AccountBlinder, maskAccountNumber, maskIdNumber } from '../../src/channels/sandbox/account-privacy.js';
import { type AccountState, type DebitOutcome, decideCredit, decideDebit } from '../../src/channels/sandbox/bank-rules.js';
import { type Fault, type FaultMode, type FaultStore, FaultTable } from '../../src/channels/sandbox/fault-table.js';
import { SandboxStore } from '../../src/channels/sandbox/sandbox-store.js';
import { debitRequestSchema } from '../../src/channels/sandbox/wire.js';
import { ACCOUNT, SECRET, debitBody } from './harness.js';

const OPEN: AccountState = { status: 'open', accountClass: 'I', balanceFen: 10_000, holderName: null, idNumberHmac: null };

describe('decideDebit', () => {
  it.each<[string, Partial<AccountState>, { amountFen: number; holderName?: string; idNumberHmac?: string }, number, DebitOutcome]>([
    // label,                         account,                                      message,                                used today, outcome
    ['default succeeds', {}, { amountFen: 10_000 }, 0, 'succeeded'],
    ['closed before all else', { status: 'closed', balanceFen: 0, holderName: 'A' }, { amountFen: 1, holderName: 'B' }, 0, 'account_closed'],
    ['frozen before mismatch', { status: 'frozen', holderName: 'A' }, { amountFen: 1, holderName: 'B' }, 0, 'account_blocked'],
    ['name mismatch', { holderName: 'A' }, { amountFen: 1, holderName: 'B' }, 0, 'holder_mismatch'],
    ['no name given', { holderName: 'A' }, { amountFen: 1 }, 0, 'succeeded'],
    ['no name configured', {}, { amountFen: 1, holderName: 'B' }, 0, 'succeeded'],
    ['id mismatch', { idNumberHmac: 'h1' }, { amountFen: 1, idNumberHmac: 'h2' }, 0, 'holder_mismatch'],
    ['mismatch before limit', { holderName: 'A', accountClass: 'III' }, { amountFen: 300_000, holderName: 'B' }, 0, 'holder_mismatch'],
    ['class II at the limit', { accountClass: 'II', balanceFen: 2_000_000 }, { amountFen: 400_000 }, 600_000, 'succeeded'],
    ['class II over the limit', { accountClass: 'II', balanceFen: 2_000_000 }, { amountFen: 400_001 }, 600_000, 'limit_exceeded'],
    ['limit before funds', { accountClass: 'III', balanceFen: 0 }, { amountFen: 200_001 }, 0, 'limit_exceeded'],
    ['class I has no limit', { balanceFen: 10_000_000 }, { amountFen: 5_000_000 }, 9_000_000, 'succeeded'],
    ['insufficient funds', {}, { amountFen: 10_001 }, 0, 'insufficient_funds'],
  ])('%s', (_label, account, message, usedTodayFen, expected) => {
    expect(decideDebit({ ...OPEN, ...account }, message, usedTodayFen)).toBe(expected);
  });
});

describe('decideCredit (payouts)', () => {
  it.each<[string, Partial<AccountState>, { amountFen: number; holderName?: string }, number, DebitOutcome]>([
    // label,                      account,                                   message,                          used today, outcome
    ['an empty account takes it', { balanceFen: 0 }, { amountFen: 5_000_000 }, 0, 'succeeded'],
    ['closed', { status: 'closed' }, { amountFen: 1 }, 0, 'account_closed'],
    ['frozen takes nothing in', { status: 'frozen' }, { amountFen: 1 }, 0, 'account_blocked'],
    ['name mismatch', { holderName: 'A' }, { amountFen: 1, holderName: 'B' }, 0, 'holder_mismatch'],
    ['class III over its daily limit', { accountClass: 'III' }, { amountFen: 150_001 }, 50_000, 'limit_exceeded'],
    ['class III at its daily limit', { accountClass: 'III' }, { amountFen: 150_000 }, 50_000, 'succeeded'],
  ])('%s', (_label, account, message, usedTodayFen, expected) => {
    expect(decideCredit({ ...OPEN, ...account }, message, usedTodayFen)).toBe(expected);
  });
});

describe('masking and blinding', () => {
  it.each([
    ['6222021234567890123', '622202*********0123'],
    ['622202123456789', '622202*****6789'],
    ['12345678901234', '***********234'],
    ['1234567890123456', '123456******3456'],
    ['12345678', '******78'],
    ['123456', '*****6'],
  ])('masks %s as %s', (number, masked) => {
    expect(maskAccountNumber(number)).toBe(masked);
    expect(maskAccountNumber(number)).toHaveLength(number.length);
  });

  it('masks ID numbers to their first and last character, normalized', () => {
    expect(maskIdNumber('11010519491231002x')).toBe('1****************X');
  });

  it('keys by secret: the same number under another secret is another key', () => {
    const a = new AccountBlinder(SECRET);
    expect(a.account(ACCOUNT)).toMatch(/^[0-9a-f]{64}$/);
    expect(a.account(ACCOUNT)).toBe(new AccountBlinder(SECRET).account(ACCOUNT));
    expect(a.account(ACCOUNT)).not.toBe(new AccountBlinder('another secret').account(ACCOUNT));
    expect(a.idNumber('11010519491231002x')).toBe(a.idNumber(' 11010519491231002X'));
  });
});

class MemoryFaultStore implements FaultStore {
  readonly rows = new Map<string, Fault>();
  loadFaults(): Fault[] {
    return [...this.rows.values()].map((fault) => ({ ...fault }));
  }
  saveFault(fault: Fault): void {
    this.rows.set(`${fault.channel}/${fault.mode}`, { ...fault });
  }
  deleteFault(channel: string, mode: FaultMode): void {
    this.rows.delete(`${channel}/${mode}`);
  }
  deleteChannelFaults(channel: string): void {
    for (const key of this.rows.keys()) if (key.startsWith(`${channel}/`)) this.rows.delete(key);
  }
  deleteAllFaults(): void {
    this.rows.clear();
  }
}

describe('FaultTable', () => {
  const draws = (table: FaultTable, n: number) =>
    Array.from({ length: n }, () => (table.affecting('c', 'submit') === null ? '.' : 'x')).join('');

  it('continues the same PRNG sequence after a restart from its store', () => {
    const straight = new FaultTable(new MemoryFaultStore());
    straight.set({ channel: 'c', mode: 'drop', rate: 0.3, seed: 99 });
    const expected = draws(straight, 30);

    const store = new MemoryFaultStore();
    const before = new FaultTable(store);
    before.set({ channel: 'c', mode: 'drop', rate: 0.3, seed: 99 });
    const firstHalf = draws(before, 15);
    const after = new FaultTable(store);
    expect(firstHalf + draws(after, 15)).toBe(expected);
    expect(expected).toContain('x');
    expect(expected).toContain('.');
  });

  it('picks one fault per request by precedence and leaves queries to unavailable and delay_ms', () => {
    const table = new FaultTable(new MemoryFaultStore());
    table.set({ channel: 'c', mode: 'delay_ms', delayMs: 5 });
    table.set({ channel: 'c', mode: 'timeout', count: 1 });
    expect(table.affecting('c', 'query')?.mode).toBe('delay_ms');
    expect(table.affecting('c', 'submit')?.mode).toBe('timeout');
    expect(table.affecting('c', 'submit')?.mode).toBe('delay_ms');
    expect(table.affecting('other', 'submit')).toBeNull();
  });
});

describe('SandboxStore many receipts', () => {
  it('records and applies 3000 debits on 50 accounts, each balance reduced by exactly its debits', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'daikou-sandbox-perf-'));
    const store = new SandboxStore(dataDir);
    const blinder = new AccountBlinder(SECRET);
    try {
      const bodies = Array.from({ length: 3000 }, (_, i) =>
        debitBody({ account_number: String(6222020000000000000n + BigInt(i % 50)), amount: 100 }),
      );
      for (const raw of bodies) {
        const body = debitRequestSchema.parse(raw);
        store.receiveDebit({
          channel: 'sz-center',
          endToEndId: body.end_to_end_id,
          amountFen: body.amount,
          accountHmac: blinder.account(body.account_number),
          accountMasked: maskAccountNumber(body.account_number),
          holderName: body.holder_name ?? undefined,
          idNumberHmac: blinder.idNumber(body.id_number ?? ''),
          receivedAtMs: Date.now(),
          businessDate: '2017-12-07',
        });
      }
      expect(store.account(blinder.account('6222020000000000000'))?.balanceFen).toBe(100_000_000 - 60 * 100);
    } finally {
      store.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('records a message as it would its debits one at a time: duplicates within it, daily limits, balances, credits, refusals', async () => {
    const dirs = [await mkdtemp(join(tmpdir(), 'daikou-sandbox-one-')), await mkdtemp(join(tmpdir(), 'daikou-sandbox-many-'))];
    const [one, many] = dirs.map((dir) => new SandboxStore(dir)) as [SandboxStore, SandboxStore];
    const blinder = new AccountBlinder(SECRET);
    const accounts = ['6222020000000000001', '6222020000000000002', '6222020000000000003'];
    try {
      for (const store of [one, many]) {
        // A class II account (daily limit 1,000,000 fen), a poor one, a frozen one.
        store.updateAccount(blinder.account(accounts[0]!), maskAccountNumber(accounts[0]!), { accountClass: 'II', balanceFen: 5_000_000 });
        store.updateAccount(blinder.account(accounts[1]!), maskAccountNumber(accounts[1]!), { balanceFen: 500 });
        store.updateAccount(blinder.account(accounts[2]!), maskAccountNumber(accounts[2]!), { status: 'frozen' });
      }
      const input = (endToEndId: string, account: number, amountFen: number, direction: 'debit' | 'credit' = 'debit') => ({
        channel: 'sz-center', endToEndId, amountFen, accountHmac: blinder.account(accounts[account]!), accountMasked: maskAccountNumber(accounts[account]!),
        receivedAtMs: 1_000, businessDate: '2017-12-07', direction,
      });
      const inputs = [
        input('a', 0, 600_000), input('b', 0, 300_000), input('c', 0, 200_000), input('a', 0, 1), input('d', 1, 400),
        input('e', 1, 200), input('f', 1, 300, 'credit'), input('g', 1, 200), input('h', 2, 10), input('b', 1, 5), input('i', 0, 100_000),
      ];
      const oneByOne = inputs.map((entry) => one.receiveDebit(entry));
      expect(many.receiveDebits(inputs)).toEqual(oneByOne);
      expect(oneByOne.map((result) => result.kind === 'received' && result.outcome)).toEqual([
        'succeeded', 'succeeded', 'limit_exceeded', 'duplicate', 'succeeded', 'insufficient_funds', 'succeeded', 'succeeded', 'account_blocked', 'duplicate', 'succeeded',
      ]);
      for (const account of accounts) {
        const hmac = blinder.account(account);
        expect(many.account(hmac)).toEqual(one.account(hmac));
        expect(many.received(hmac, 100)).toEqual(one.received(hmac, 100));
      }
      // And the next message carries on from there: ids, balances and the day's usage.
      expect(many.receiveDebits([input('j', 0, 100_000), input('k', 0, 1)])).toEqual([one.receiveDebit(input('j', 0, 100_000)), one.receiveDebit(input('k', 0, 1))]);
      expect(many.account(blinder.account(accounts[0]!))).toEqual(one.account(blinder.account(accounts[0]!)));
    } finally {
      one.close();
      many.close();
      for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    }
  });

  it('answers a query message in one read, in order, like one query per id', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'daikou-sandbox-find-'));
    const store = new SandboxStore(dataDir);
    const blinder = new AccountBlinder(SECRET);
    try {
      const input = (endToEndId: string, amountFen: number) => ({
        channel: 'sz-center', endToEndId, amountFen, accountHmac: blinder.account(ACCOUNT), accountMasked: maskAccountNumber(ACCOUNT),
        receivedAtMs: 1_000, businessDate: '2017-12-07',
      });
      store.receiveDebits([input('a', 100), input('b', 200_000_000), input('a', 300)]);
      const ids = ['b', 'never', 'a', 'a'];
      expect(store.findDebits('sz-center', ids)).toEqual(ids.map((id) => store.findDebit('sz-center', id)));
      expect(store.findDebits('sz-center', ids).map((debit) => debit && [debit.amountFen, debit.outcome])).toEqual([
        [200_000_000, 'insufficient_funds'], undefined, [100, 'succeeded'], [100, 'succeeded'],
      ]);
      expect(store.findDebits('other-channel', ['a'])).toEqual([undefined]);
    } finally {
      store.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
