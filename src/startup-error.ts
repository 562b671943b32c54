/**
 * Why daikou could not start, in one line that names the fix. The CLI prints the message and
 * exits non-zero; everything started before the failure has been stopped by then.
 */
export class StartupError extends Error {
  override name = 'StartupError';
}

const LISTEN_REASONS: Record<string, string> = {
  EADDRINUSE: 'address in use',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'no such local address',
};

/**
 * A server's failure to listen as a StartupError (`cannot listen on 127.0.0.1:8080 for the API:
 * address in use (EADDRINUSE); …`); any other error unchanged.
 */
export function listenFailure(error: unknown, service: string, hint: string): unknown {
  const failure = error as NodeJS.ErrnoException & { address?: string; port?: number };
  if (typeof failure !== 'object' || failure === null || failure.syscall !== 'listen' || failure.code === undefined) return error;
  const where = failure.address === undefined ? `port ${failure.port ?? '?'}` : `${failure.address}:${failure.port ?? '?'}`;
  const reason = LISTEN_REASONS[failure.code] ?? 'refused';
  return new StartupError(`cannot listen on ${where} for ${service}: ${reason} (${failure.code}); ${hint}`, { cause: error });
}
