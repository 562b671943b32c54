import { freshDatabase } from '../support/engines.js';
import type { Engine } from '../../src/storage/database.js';
import { simulate, SimulationFailure } from './simulator.js';

/**
 * `npm run simulate -- --seeds 1000 --steps 2000 [--engine sqlite|postgres] [--from 1]`, or
 * `--seed 123` to replay one seed. PostgreSQL takes its server from DAIKOU_TEST_DATABASE_URL.
 * `--broken-fence` runs with the test-only broken fence, to see the checker fail.
 */
function option(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : process.argv[index + 1];
}

const engine = (option('engine') ?? 'sqlite') as Engine;
if (engine !== 'sqlite' && engine !== 'postgres') throw new Error(`--engine is sqlite or postgres, not ${String(engine)}`);
const one = option('seed');
const from = Number(one ?? option('from') ?? 1);
const seeds = one === undefined ? Number(option('seeds') ?? 100) : 1;
const steps = Number(option('steps') ?? 2_000);
const brokenFence = process.argv.includes('--broken-fence');

const started = process.hrtime.bigint();
let stepsRun = 0;
let failures = 0;
for (let seed = from; seed < from + seeds; seed += 1) {
  const database = await freshDatabase(engine);
  try {
    const report = await simulate({ engine, seed, steps, databaseUrl: database.databaseUrl, brokenFence });
    stepsRun += report.steps;
    if (one !== undefined) console.log(JSON.stringify(report, null, 2));
  } catch (error) {
    if (!(error instanceof SimulationFailure)) throw error;
    failures += 1;
    stepsRun += error.step;
    console.error(error.message);
    console.error(`replay: npm run simulate -- --seed ${error.seed} --steps ${steps} --engine ${engine}${brokenFence ? ' --broken-fence' : ''}`);
    if (one !== undefined || !process.argv.includes('--keep-going')) break;
  } finally {
    await database.drop();
  }
  if (one === undefined && (seed - from + 1) % 10 === 0) console.error(`… ${seed - from + 1} seeds, ${stepsRun} steps, ${failures} violations, ${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(0)} s`);
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
console.log(`${engine}: ${one === undefined ? seeds : 1} seeds, ${stepsRun} steps, ${failures} invariant violations, ${seconds.toFixed(1)} s`);
process.exitCode = failures === 0 ? 0 : 1;
