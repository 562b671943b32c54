/**
 * The HTTP fuzzer (bench/support/http-fuzz.ts) as a command: starts a hub of its own on loopback,
 * sends the requests, prints the figures and the first failures, and exits 1 on any answer with
 * status 5xx, any error answer that is not problem+json with a code, or any request left unanswered.
 *
 *   npm run fuzz -- --requests 20000 --seed 8
 */
import { parseArgs } from 'node:util';
import { runHttpFuzz } from './support/http-fuzz.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '20000' },
    seed: { type: 'string', default: '8' },
    concurrency: { type: 'string', default: '8' },
  },
});
const requests = Number(values.requests);
const seed = Number(values.seed);
const concurrency = Number(values.concurrency);
if (!Number.isSafeInteger(requests) || requests < 1 || requests > 10_000_000 || !Number.isSafeInteger(seed) || !Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > 256) {
  console.error('usage: http-fuzz --requests N (1–10,000,000) --seed N --concurrency N (1–256)');
  process.exit(2);
}
const started = performance.now();
const report = await runHttpFuzz({ requests, seed, concurrency });
const seconds = (performance.now() - started) / 1000;
for (const failure of report.failures) console.log(`FAIL ${failure.why} ${failure.status} ${failure.method} ${failure.path} [${failure.contentType}] ${failure.body}`);
console.log(
  `seed ${report.seed}: ${report.requests} requests over ${report.operationsCovered}/${report.operations} operations in ${seconds.toFixed(1)} s; ` +
    `status 5xx: ${report.serverErrors}; errors not problem+json: ${report.notProblemJson}; unanswered: ${report.noAnswer}; connections reset while sending: ${report.resets}`,
);
console.log(`by status: ${JSON.stringify(report.byStatus)}`);
process.exit(report.serverErrors + report.notProblemJson + report.noAnswer === 0 ? 0 : 1);
