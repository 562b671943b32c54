import { runCli } from './index.js';

await runCli(process.argv);
// A command that failed has printed its one line and stopped what it started; exit now rather
// than wait on anything still open (a database pool's idle timer, say).
if (process.exitCode !== undefined && process.exitCode !== 0) process.exit();
