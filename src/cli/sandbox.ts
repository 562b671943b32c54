import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { createLogger } from '../logger.js';
import { startStandaloneSandbox } from '../main.js';
import { listenFailure } from '../startup-error.js';
import { parsePort } from './options.js';

export function sandboxCommand(): Command {
  return new Command('sandbox')
    .description('Run only the sandbox clearing network: simulated banks and channels over HTTP (docs/sandbox-protocol.md).')
    .option('-p, --port <port>', 'port (env DAIKOU_SANDBOX_PORT)', parsePort, Number(process.env.DAIKOU_SANDBOX_PORT ?? 8081))
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('-d, --data <dir>', 'directory for the sandbox state (env DAIKOU_DATA)', process.env.DAIKOU_DATA ?? './daikou-data')
    .addHelpText(
      'after',
      `
The control API (/v1/sandbox/*) needs Authorization: Bearer <token>: DAIKOU_SANDBOX_TOKEN, or the
token in <data>/sandbox.token, created on first start. Point a hub at it with
  DAIKOU_SANDBOX_URL=http://127.0.0.1:8081 DAIKOU_SANDBOX_TOKEN=… daikou start`,
    )
    .action(async (opts: { port: number; host: string; data: string }) => {
      fs.mkdirSync(opts.data, { recursive: true });
      const tokenFile = path.join(opts.data, 'sandbox.token');
      let token = process.env.DAIKOU_SANDBOX_TOKEN;
      if (!token) {
        if (!fs.existsSync(tokenFile)) fs.writeFileSync(tokenFile, `${crypto.randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
        token = fs.readFileSync(tokenFile, 'utf8').trim();
      }
      const sandbox = await startStandaloneSandbox({
        dataDir: opts.data,
        host: opts.host,
        port: opts.port,
        controlToken: token,
        masterKey: process.env.DAIKOU_MASTER_KEY,
        logger: createLogger(),
      }).catch((error: unknown) => {
        throw listenFailure(error, 'the sandbox', 'choose another port with --port or DAIKOU_SANDBOX_PORT');
      });
      process.stdout.write(`daikou sandbox is running at ${sandbox.url}\n  control token in ${process.env.DAIKOU_SANDBOX_TOKEN ? 'DAIKOU_SANDBOX_TOKEN' : tokenFile}\n`);
      const stop = async () => {
        await sandbox.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
    });
}
