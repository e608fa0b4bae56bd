/**
 * A GWebCache the nodes can reach (bootstrap.md §6): a small HTTP server in
 * the runner process at `http://<host>:<port>/gwc.php`. It hands out the
 * hosts and caches a step gives it, in the dialect the request asks for (v2
 * for `get=1`/`update=1`, v1 for `hostfile=1`/`urlfile=1`), or plays a v1-only
 * cache, or replays one stored answer verbatim. It records every request so
 * steps can judge what a servent asked (BOOT-12, BOOT-15, BOOT-16, BOOT-17).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HostAddress } from '../../servent/src/core/hosts/host-cache.js';
import { loadHttpFixture, type RawHttpResponse } from '../fixtures/http-fixture.js';

/** The script's path, as a PHP cache would have it. */
export const GWC_FIXTURE_PATH = '/gwc.php';
const NAME = 'GwebCacheFixture/1.0';

/**
 * `v2`: a current cache, answering v2 requests in v2 and v1 requests in v1.
 * `v1`: a cache from before GWC2, which knows nothing of `get` and `update`.
 * `{ fixture }`: every request gets that stored response (fixtures/http/…).
 */
export type GwcFixtureAnswers = 'v2' | 'v1' | { fixture: string };

export interface GwebCacheFixtureOptions {
  /** Address to listen on and to put in the URL: the network's gateway, or 127.0.0.1 in tests. */
  host: string;
  port?: number;
  hosts: HostAddress[];
  caches?: string[];
  answers?: GwcFixtureAnswers;
}

export interface GwcFixtureRequest {
  /** Date.now() when it arrived. */
  at: number;
  /** The request target as sent, query included. */
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
}

interface Answer {
  status: number;
  reason: string;
  headers: [string, string][];
  body: Buffer;
}

export class GwebCacheFixture {
  readonly requests: GwcFixtureRequest[] = [];
  readonly #server: http.Server;
  #hosts: HostAddress[] = [];
  #hostsSetAt = Date.now();
  #caches: string[] = [];
  #answers: GwcFixtureAnswers = 'v2';
  #replay: RawHttpResponse | undefined;

  private constructor(readonly host: string) {
    this.#server = http.createServer((request, response) => this.#serve(request, response));
  }

  static async start(options: GwebCacheFixtureOptions): Promise<GwebCacheFixture> {
    const fixture = new GwebCacheFixture(options.host);
    fixture.setHosts(options.hosts);
    fixture.setCaches(options.caches ?? []);
    fixture.setAnswers(options.answers ?? 'v2');
    await new Promise<void>((resolve, reject) => {
      fixture.#server.once('error', reject);
      fixture.#server.listen(options.port ?? 0, options.host, () => {
        fixture.#server.off('error', reject);
        resolve();
      });
    });
    return fixture;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** The cache's URL, as a servent is configured with it. */
  get url(): string {
    return `http://${this.host}:${this.port}${GWC_FIXTURE_PATH}`;
  }

  /** The hosts handed out from now on; their age counts from this call. */
  setHosts(hosts: readonly HostAddress[]): void {
    this.#hosts = hosts.map(({ host, port }) => ({ host, port }));
    this.#hostsSetAt = Date.now();
  }

  setCaches(caches: readonly string[]): void {
    this.#caches = [...caches];
  }

  setAnswers(answers: GwcFixtureAnswers): void {
    this.#answers = answers;
    this.#replay = typeof answers === 'object' ? loadHttpFixture(answers.fixture) : undefined;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #serve(request: http.IncomingMessage, response: http.ServerResponse): void {
    const target = request.url ?? '/';
    const parsed = new URL(target, 'http://fixture.invalid');
    this.requests.push({
      at: Date.now(),
      path: target,
      query: parsed.searchParams,
      headers: request.headers,
    });
    request.resume();
    const remote = request.socket.remoteAddress ?? '';
    const answer =
      this.#replay ??
      (parsed.pathname === GWC_FIXTURE_PATH
        ? this.#answer(parsed.searchParams, remote.replace(/^::ffff:/i, ''))
        : text(404, 'Not Found', `No ${parsed.pathname} here.\n`));
    // Replays go out as stored: no Date of ours, the fixture's own headers.
    response.sendDate = false;
    response.writeHead(answer.status, answer.reason, answer.headers.flat());
    response.end(answer.body);
  }

  #answer(query: URLSearchParams, remoteIp: string): Answer {
    const lines =
      this.#answers === 'v2' && isV2Request(query) ? this.#v2Lines(query) : this.#v1Lines(query);
    const answer = text(200, 'OK', lines.map((line) => `${line}\r\n`).join(''));
    answer.headers.push(['X-Remote-IP', remoteIp]);
    return answer;
  }

  /** `get`, `ping` and `update` combine; a v2 cache always writes a line (§6.2). */
  #v2Lines(query: URLSearchParams): string[] {
    const lines: string[] = [];
    if (query.get('ping') === '1') lines.push(`I|pong|${NAME}`);
    if (query.get('get') === '1') {
      const age = Math.max(0, Math.floor((Date.now() - this.#hostsSetAt) / 1000));
      for (const { host, port } of this.#hosts) lines.push(`H|${host}:${port}|${age}`);
      for (const url of this.#caches) lines.push(`U|${url}|${age}`);
    }
    if (query.get('update') === '1') lines.push('I|update|OK');
    return lines.length > 0 ? lines : ['I|nothing'];
  }

  /** One output per request, hostfile before urlfile before ping, as v1 scripts do (§6.1). */
  #v1Lines(query: URLSearchParams): string[] {
    if (query.get('hostfile') === '1')
      return this.#hosts.map(({ host, port }) => `${host}:${port}`);
    if (query.get('urlfile') === '1') return [...this.#caches];
    if (query.get('ping') === '1') return [`PONG ${NAME}`];
    if (query.has('ip') || query.has('url')) return ['OK'];
    return ['ERROR: unknown request'];
  }
}

/**
 * What GhostWhiteCrab takes for a v2 request (§6.2): `get` or `update`, a
 * `client` longer than 4 characters or without `version`, or `pv=2`.
 */
function isV2Request(query: URLSearchParams): boolean {
  const client = query.get('client') ?? '';
  return (
    query.has('get') ||
    query.has('update') ||
    client.length > 4 ||
    (client !== '' && !query.has('version')) ||
    query.get('pv') === '2'
  );
}

function text(status: number, reason: string, body: string): Answer {
  const bytes = Buffer.from(body, 'latin1');
  return {
    status,
    reason,
    headers: [
      ['Server', NAME],
      ['Content-Type', 'text/plain'],
      ['Content-Length', String(bytes.length)],
      ['Connection', 'close'],
    ],
    body: bytes,
  };
}
