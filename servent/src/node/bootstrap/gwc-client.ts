/**
 * One GET to a GWebCache (bootstrap.md §6) over node:http, so that we decide
 * about redirects, body size and proxies ourselves. Plain HTTP/1.1 with
 * `Host:` (virtual hosting, BOOT-17) and our User-Agent, never through a
 * proxy (§6.3), a fresh connection each time (one request an hour needs no
 * pool). Failures are typed by `GwcError.code` so the caller can apply
 * BOOT-14.
 */
// The default import is the module object itself, so a test double patching
// http.request (nock) is seen; named ESM bindings of builtins are not updated.
import http from 'node:http';
import { type GwcAnswer, parseGwcAnswer } from '../../core/bootstrap/gwc.js';
import { dottedIpv4Of } from '../../core/handshake/addresses.js';

/** Redirects followed per request; v1 caches may answer `hostfile` with one (§6.1, BOOT-17). */
export const GWC_MAX_REDIRECTS = 3;
/** Answer bytes read at most: 20 hosts and 10 URLs are under 2 KiB, so 64 KiB is generous. */
export const GWC_DEFAULT_MAX_BYTES = 64 * 1024;
/** Whole request, redirects included: a cache that takes longer counts as unreachable. */
export const GWC_DEFAULT_TIMEOUT_MS = 10_000;

export type GwcErrorCode =
  /** Could not connect, or the connection broke (BOOT-14: "cannot be reached"). */
  | 'unreachable'
  /** No answer within the timeout. */
  | 'timeout'
  /** Not 2xx (BOOT-14: 4xx/5xx); `status` says which. */
  | 'http-status'
  /** A redirect to something other than an http:// URL, or with no Location. */
  | 'bad-redirect'
  /** More than GWC_MAX_REDIRECTS redirects. */
  | 'too-many-redirects'
  /** The body is longer than `maxBytes`; we stopped reading. */
  | 'too-big'
  /** The body is not a cache answer (BOOT-14). */
  | 'unparsable'
  /** The URL is not http://. */
  | 'bad-url'
  /** The caller's signal aborted the request: not the cache's fault. */
  | 'aborted';

export class GwcError extends Error {
  override readonly name = 'GwcError';
  constructor(
    readonly code: GwcErrorCode,
    message: string,
    /** The HTTP status, for `http-status`. */
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface GwcFetchOptions {
  userAgent: string;
  timeoutMs?: number;
  maxBytes?: number;
  signal?: AbortSignal;
}

export interface GwcFetchResult {
  answer: GwcAnswer;
  /** The URL that answered, after redirects. */
  finalUrl: string;
  /** Our address as the cache saw it (`X-Remote-IP`), less trustworthy than a handshake's `Remote-IP` (§6.2). */
  remoteIp?: string;
}

/**
 * GETs `url` and reads the body as a cache answer. Follows up to
 * GWC_MAX_REDIRECTS 3xx redirects to http:// locations, with one timeout for
 * the whole exchange. Rejects with `GwcError` only.
 */
export async function fetchGwc(url: string, options: GwcFetchOptions): Promise<GwcFetchResult> {
  const timeoutMs = options.timeoutMs ?? GWC_DEFAULT_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? GWC_DEFAULT_MAX_BYTES;
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new GwcError('timeout', `no answer from ${url} within ${timeoutMs} ms`)),
    timeoutMs,
  );
  const onCallerAbort = () =>
    controller.abort(new GwcError('aborted', `request to ${url} aborted by the caller`));
  if (options.signal?.aborted) onCallerAbort();
  else options.signal?.addEventListener('abort', onCallerAbort, { once: true });
  try {
    let current = url;
    for (let redirects = 0; ; redirects++) {
      const reply = await getOnce(current, options.userAgent, maxBytes, controller.signal);
      if (reply.kind === 'body') {
        const parsed = parseGwcAnswer(reply.body);
        if (!parsed.ok) {
          throw new GwcError('unparsable', `${current}: ${parsed.error.message}`);
        }
        const result: GwcFetchResult = { answer: parsed.value, finalUrl: current };
        if (reply.remoteIp !== undefined) result.remoteIp = reply.remoteIp;
        return result;
      }
      if (redirects === GWC_MAX_REDIRECTS) {
        throw new GwcError(
          'too-many-redirects',
          `${url}: still redirected after ${GWC_MAX_REDIRECTS} redirects (last to ${reply.location})`,
        );
      }
      current = reply.location;
    }
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onCallerAbort);
  }
}

type Reply =
  | { kind: 'body'; body: string; remoteIp?: string }
  | { kind: 'redirect'; location: string };

function getOnce(
  url: string,
  userAgent: string,
  maxBytes: number,
  signal: AbortSignal,
): Promise<Reply> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.reject(new GwcError('bad-url', `not a URL: ${url}`));
  }
  if (target.protocol !== 'http:') {
    return Promise.reject(new GwcError('bad-url', `only http:// caches are used: ${url}`));
  }
  if (signal.aborted) return Promise.reject(signal.reason);

  return new Promise<Reply>((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      outcome();
    };
    const request = http.request({
      host: target.hostname,
      port: target.port === '' ? 80 : Number(target.port),
      path: `${target.pathname}${target.search}`,
      method: 'GET',
      // Node writes `Host:` itself from host and port (BOOT-17). agent: false
      // is a fresh connection outside any pool, and never a proxy (§6.3).
      agent: false,
      headers: { 'User-Agent': userAgent, Accept: 'text/plain, */*', Connection: 'close' },
    });
    const onAbort = () => {
      settle(() => reject(signal.reason));
      request.destroy();
    };
    signal.addEventListener('abort', onAbort, { once: true });

    request.on('error', (error: Error) => {
      settle(() => reject(new GwcError('unreachable', `${url}: ${error.message}`)));
    });
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400) {
        response.resume();
        const location = response.headers.location;
        settle(() => {
          const next = redirectTarget(url, location);
          if (typeof next === 'string') resolve({ kind: 'redirect', location: next });
          else reject(next);
        });
        request.destroy();
        return;
      }
      if (status < 200 || status >= 300) {
        response.resume();
        settle(() =>
          reject(
            new GwcError(
              'http-status',
              `${url}: HTTP ${status} ${response.statusMessage ?? ''}`.trimEnd(),
              status,
            ),
          ),
        );
        request.destroy();
        return;
      }
      const declared = Number(response.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBytes) {
        settle(() => reject(tooBig(url, maxBytes)));
        request.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      let length = 0;
      response.on('data', (chunk: Buffer) => {
        length += chunk.length;
        if (length > maxBytes) {
          settle(() => reject(tooBig(url, maxBytes)));
          request.destroy();
          return;
        }
        chunks.push(chunk);
      });
      response.on('error', (error: Error) => {
        settle(() => reject(new GwcError('unreachable', `${url}: ${error.message}`)));
      });
      response.on('end', () => {
        // Answers are ASCII; latin1 keeps any other byte as one character.
        const body = Buffer.concat(chunks).toString('latin1');
        const header = response.headers['x-remote-ip'];
        const remoteIp = typeof header === 'string' ? dottedIpv4Of(header.trim()) : undefined;
        settle(() =>
          resolve(
            remoteIp === undefined ? { kind: 'body', body } : { kind: 'body', body, remoteIp },
          ),
        );
      });
    });
    request.end();
  });
}

/** The absolute http:// URL a redirect points to, relative ones resolved (BOOT-17). */
function redirectTarget(from: string, location: string | undefined): string | GwcError {
  if (!location) return new GwcError('bad-redirect', `${from}: a redirect without Location`);
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    return new GwcError('bad-redirect', `${from}: redirect to a bad URL: ${location}`);
  }
  if (next.protocol !== 'http:') {
    return new GwcError('bad-redirect', `${from}: redirect to a non-http URL: ${location}`);
  }
  return next.href;
}

const tooBig = (url: string, maxBytes: number): GwcError =>
  new GwcError('too-big', `${url}: answer longer than ${maxBytes} bytes; stopped reading`);
