import { describe, expect, it } from 'vitest';
import { ENGINES, freshDatabase } from '../support/engines.js';
import { simulate, SimulationFailure, type SimulationOptions } from './simulator.js';

/**
 * The deterministic simulation (docs/simulation.md): a few fixed seeds on every engine in
 * `npm test`; `npm run simulate -- --seeds 1000 --steps 2000` runs many.
 */
const SEEDS = { sqlite: [1, 2], postgres: [1] };
/** Every statement is a round trip on PostgreSQL: fewer steps keep the suite quick there. */
const STEPS = { sqlite: 250, postgres: 120 };

async function run(options: Omit<SimulationOptions, 'databaseUrl'>): Promise<Awaited<ReturnType<typeof simulate>>> {
  const database = await freshDatabase(options.engine);
  try {
    return await simulate({ ...options, databaseUrl: database.databaseUrl });
  } finally {
    await database.drop();
  }
}

for (const engine of ENGINES) {
  describe(`the simulation on ${engine}`, () => {
    for (const seed of SEEDS[engine]) {
      it(`seed ${seed}: ${STEPS[engine]} steps of faults and crashes break no invariant, and every debit, payout and refund ends final`, { timeout: 120_000 }, async () => {
        const report = await run({ engine, seed, steps: STEPS[engine] });
        // The run did what it is for: debits went every way, the channel misbehaved, workers died.
        expect(report.debits.succeeded ?? 0).toBeGreaterThan(0);
        expect(report.debits.failed ?? 0).toBeGreaterThan(0);
        expect(report.channel.held).toBeGreaterThan(0);
        expect(report.crashes + report.nodes).toBeGreaterThan(2);
        expect(Object.keys(report.debits).sort()).toEqual(expect.arrayContaining(['succeeded']));
        expect(report.debits.pending ?? 0).toBe(0);
        expect(report.debits.submitted ?? 0).toBe(0);
        // Payouts too: some paid, none left open.
        expect(report.payouts.succeeded ?? 0).toBeGreaterThan(0);
        expect((report.payouts.pending ?? 0) + (report.payouts.submitted ?? 0)).toBe(0);
        // And refunds: some carried to their end, none left open (refundsWithinDebits checks their bounds each step).
        expect((report.refunds.succeeded ?? 0) + (report.refunds.failed ?? 0)).toBeGreaterThan(0);
        expect((report.refunds.pending ?? 0) + (report.refunds.submitted ?? 0)).toBe(0);
      });
    }
  });
}

describe('the simulation replays', () => {
  it('one seed runs the same twice, step for step', { timeout: 120_000 }, async () => {
    const first = await run({ engine: 'sqlite', seed: 7, steps: 150 });
    const second = await run({ engine: 'sqlite', seed: 7, steps: 150 });
    expect(second).toEqual(first);
  });
});

describe('a broken fence', () => {
  it('is caught within 100 seeds: a second worker may claim an attempt already leased', { timeout: 300_000 }, async () => {
    let caught: SimulationFailure | null = null;
    for (let seed = 1; seed <= 100 && caught === null; seed += 1) {
      try {
        await run({ engine: 'sqlite', seed, steps: 300, brokenFence: true });
      } catch (error) {
        if (!(error instanceof SimulationFailure)) throw error;
        caught = error;
      }
    }
    expect(caught?.message).toMatch(/^seed=\d+ step=\d+: /);
    expect(caught?.message).toMatch(/received twice|open attempts/);
  });
});

describe('a lost release', () => {
  it('is caught within 20 seeds: a failed payout that never gives its reservation back', { timeout: 300_000 }, async () => {
    let caught: SimulationFailure | null = null;
    for (let seed = 1; seed <= 20 && caught === null; seed += 1) {
      try {
        await run({ engine: 'sqlite', seed, steps: 300, lostRelease: true });
      } catch (error) {
        if (!(error instanceof SimulationFailure)) throw error;
        caught = error;
      }
    }
    expect(caught?.message).toMatch(/^seed=\d+ step=\d+: /);
    expect(caught?.message).toMatch(/payout \S+ is failed with .* 0 releases|reserved, but its open payouts hold/);
  });
});
