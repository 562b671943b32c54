import fs from 'node:fs/promises';
import path from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { problem, sendProblem } from './problem.js';
import { maskDigitRuns } from '../core/payers/index.js';

/**
 * The web console (`console/`, built by `npm run build` into `dist/console`) served at `/`.
 *
 * A small static handler rather than a plug-in: the console is a handful of files. It never
 * shadows the API: a path under one of RESERVED that no route matched stays the API's 404
 * problem. Client-side routes (`/debits/dbt_…`) get `index.html`; a missing file that names an
 * extension (`/assets/x.js`) is a 404, so that a browser never runs HTML as a script.
 */
export const RESERVED_PREFIXES = ['/v1', '/docs', '/openapi.json', '/healthz', '/metrics'] as const;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** Vite names built assets by content hash (`assets/index-BX3k9aQe.js`): they never change, so they may be kept a year. */
const HASHED_ASSET = /^\/assets\/.+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;

/** The console's own pages are scripts from this origin, talking to this origin; recharts writes inline styles. */
const CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export function isReservedPath(urlPath: string): boolean {
  return RESERVED_PREFIXES.some((prefix) => urlPath === prefix || urlPath.startsWith(`${prefix}/`) || urlPath.startsWith(`${prefix}?`));
}

/**
 * The file under `root` that a URL path names, or null when it would leave `root` (`..`,
 * encoded or not, a backslash, a NUL byte) or cannot be decoded.
 */
export function consoleFilePath(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath.split('?')[0] ?? '');
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  if (decoded.split('/').some((part) => part === '..')) return null;
  const resolvedRoot = path.resolve(root);
  const file = path.resolve(resolvedRoot, `.${decoded.startsWith('/') ? decoded : `/${decoded}`}`);
  if (file !== resolvedRoot && !file.startsWith(`${resolvedRoot}${path.sep}`)) return null;
  return file;
}

/**
 * The handler that serves the console from `root`: `/` is a route of its own; every other path
 * comes through the server's not-found handler (only GET and HEAD, only outside RESERVED), so
 * that the router's own answers stay as they were — an overlong `/v1/debits/{id}` is still a 414.
 */
export function consoleHandler(root: string): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply> {
  return async (request, reply) => {
    const urlPath = request.url.split('?')[0] ?? '/';
    if (isReservedPath(urlPath)) return sendProblem(reply, problem(404, 'route_not_found', `No route ${request.method} ${maskDigitRuns(request.url)}.`));
    const index = path.join(root, 'index.html');
    if (!(await isFile(index))) {
      return sendProblem(reply, problem(503, 'console_not_built', `The web console is not built (no ${index}): run npm run build.`));
    }
    const file = consoleFilePath(root, urlPath);
    if (file === null) return sendProblem(reply, problem(404, 'not_found', 'No such file.'));
    if (urlPath !== '/' && (await isFile(file))) return sendFile(reply, file, HASHED_ASSET.test(urlPath) ? 'public, max-age=31536000, immutable' : 'no-cache');
    if (path.extname(urlPath) !== '') return sendProblem(reply, problem(404, 'not_found', `No file ${maskDigitRuns(urlPath)} in the console.`));
    // A client-side route: the app reads the path and draws the page.
    return sendFile(reply, index, 'no-cache');
  };
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await fs.stat(file)).isFile();
  } catch {
    return false;
  }
}

async function sendFile(reply: FastifyReply, file: string, cacheControl: string): Promise<FastifyReply> {
  const body = await fs.readFile(file);
  const type = CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
  reply.header('cache-control', cacheControl).header('x-content-type-options', 'nosniff');
  if (type.startsWith('text/html')) reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
  return reply.type(type).send(body);
}
