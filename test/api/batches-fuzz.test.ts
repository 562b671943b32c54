import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/engines.js';
import { fuzzFile, type FuzzFile } from '../support/batch-fuzz.js';
import { cardNumber, createMandate, createMerchant, eventually, MERCHANT_BODY, startTestHub, type TestHub } from '../support/hub.js';

/**
 * The batch fuzzer: hostile CSV and pain.008 files (test/support/batch-fuzz.ts) from two merchants,
 * each followed by a good file from the other. Every file is refused at upload (400) or ends
 * `completed` or `failed` within the deadline — never stuck — and the good file always completes.
 * `npm run fuzz:batches` runs more of them (DAIKOU_FUZZ_RUNS) and prints the figures.
 */
const RUNS = Number(process.env.DAIKOU_FUZZ_RUNS ?? 20);
const SEED = Number(process.env.DAIKOU_FUZZ_SEED ?? 20_261_201);
const DEADLINE_MS = 20_000;
const OTHER_MERCHANT = { ...MERCHANT_BODY, name: '另一家商户', settlement_account: { ...MERCHANT_BODY.settlement_account, account_number: '110100998877' } };

for (const engine of ENGINES) {
  describe(`batch fuzzer on ${engine}`, () => {
    let t: TestHub;
    const merchants: { key: string; mandate: string }[] = [];
    const figures = { files: 0, refused: 0, completed: 0, failed: 0, stuck: 0, good_completed: 0 };
    let serial = 0;

    beforeAll(async () => {
      t = await startTestHub(engine);
      for (const body of [MERCHANT_BODY, OTHER_MERCHANT]) {
        const merchant = await createMerchant(t, body);
        merchants.push({ key: merchant.key, mandate: await createMandate(t, merchant.key, cardNumber('622202', 6_000 + merchants.length)) });
      }
    });
    afterAll(async () => {
      console.log(`batch fuzzer on ${engine} (seed ${SEED}, ${RUNS} runs): ${JSON.stringify(figures)}`);
      await t?.close();
    });

    async function upload(key: string, file: FuzzFile) {
      const response = await fetch(`${t.hub.url}/v1/batches`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': file.format === 'csv' ? 'text/csv' : 'application/xml' },
        body: file.body,
      });
      return { status: response.status, body: (await response.json()) as any };
    }

    async function ended(key: string, id: string): Promise<string> {
      try {
        return await eventually(async () => {
          const { body } = await t.call('GET', `/v1/batches/${id}`, { key });
          return body.status === 'processing' ? null : (body.status as string);
        }, DEADLINE_MS, `batch ${id}`);
      } catch {
        return 'stuck';
      }
    }

    it('every file is refused, completed or failed, and the other merchant’s good file after it completes', async () => {
      await fc.assert(
        fc.asyncProperty(fuzzFile, fc.integer({ min: 0, max: 1 }), async (file, from) => {
          const [hostile, other] = [merchants[from]!, merchants[1 - from]!];
          const fuzzed = await upload(hostile.key, file);
          figures.files += 1;
          expect([200, 202, 400]).toContain(fuzzed.status);
          serial += 1;
          const good = await upload(other.key, { format: 'csv', body: Buffer.from(`reference,mandate_id,amount\nGOOD-${serial},${other.mandate},1\n`) });
          expect(good.status).toBe(202);
          if (fuzzed.status === 400) figures.refused += 1;
          else {
            const status = await ended(hostile.key, fuzzed.body.id);
            figures[status === 'completed' ? 'completed' : status === 'failed' ? 'failed' : 'stuck'] += 1;
            expect(['completed', 'failed']).toContain(status);
          }
          expect(await ended(other.key, good.body.id)).toBe('completed');
          figures.good_completed += 1;
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      );
      expect(figures.files).toBe(RUNS);
    }, 60_000 + RUNS * 3_000);
  });
}
