import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, afterEach, before, describe, test } from 'node:test';
import nock from 'nock';
import { pino } from 'pino';
import { loadHttpFixture } from '../../../harness/fixtures/http-fixture.js';
import { GwcList, parseGwcAnswer } from '../../src/core/bootstrap/gwc.js';
import { GwcBootstrap, type GwcSelf } from '../../src/node/bootstrap/gwc-bootstrap.js';
import {
  fetchGwc,
  GWC_MAX_REDIRECTS,
  GwcError,
  type GwcErrorCode,
  type GwcFetchOptions,
  type GwcFetchResult,
} from '../../src/node/bootstrap/gwc-client.js';

const FIXTURES = 'fixtures/http/gwc';
const ORIGIN = 'http://cache.example.org';
const USER_AGENT = 'GnutellaServent/0.1.0';
const QUERY = 'get=1&net=gnutella&client=GSNT&version=0.1.0';
const HOUR = 3_600_000;

interface Seen {
  path: string;
  headers: IncomingHttpHeaders;
}

/** Replies to one GET with a stored response, noting the request it got. */
function replay(
  scope: nock.Scope,
  path: string,
  fixture: string,
  seen: Seen[] = [],
  delayMs = 0,
): nock.Scope {
  const raw = loadHttpFixture(join(FIXTURES, fixture));
  return scope
    .get(path)
    .delay(delayMs)
    .reply(function (uri) {
      seen.push({ path: uri, headers: this.req.headers });
      return [raw.status, raw.body, Object.fromEntries(raw.headers)];
    });
}

async function rejectsWith(promise: Promise<unknown>, code: GwcErrorCode): Promise<GwcError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof GwcError, `expected a GwcError, got ${error}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected a GwcError ${code}, got an answer`);
}

before(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.abortPendingRequests();
  nock.cleanAll();
});
after(() => {
  nock.enableNetConnect();
});

describe('fetchGwc', () => {
  test('a v2 answer: the exact query, Host and User-Agent sent, X-Remote-IP read (BOOT-12, BOOT-17)', async () => {
    const seen: Seen[] = [];
    const scope = replay(nock(ORIGIN), `/gwc/gcache.php?${QUERY}`, 'v2-get.http', seen);
    const result = await fetchGwc(`${ORIGIN}/gwc/gcache.php?${QUERY}`, { userAgent: USER_AGENT });
    scope.done();
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.path, `/gwc/gcache.php?${QUERY}`);
    assert.equal(seen[0]!.headers.host, 'cache.example.org');
    assert.equal(seen[0]!.headers['user-agent'], USER_AGENT);
    assert.equal(result.finalUrl, `${ORIGIN}/gwc/gcache.php?${QUERY}`);
    assert.equal(result.remoteIp, '198.51.100.30');
    assert.equal(result.answer.style, 'v2');
    assert.deepEqual(
      result.answer.hosts.map((h) => `${h.host}:${h.port}`),
      ['198.51.100.7:6346', '203.0.113.9:24000', '192.0.2.44:6348'],
    );
    assert.equal(result.answer.caches.length, 2);
  });

  test('Host carries a port other than 80', async () => {
    const seen: Seen[] = [];
    const scope = replay(
      nock('http://cache.example.org:8080'),
      '/g.php?ping=1',
      'v1-pong.http',
      seen,
    );
    const result = await fetchGwc('http://cache.example.org:8080/g.php?ping=1', {
      userAgent: USER_AGENT,
    });
    scope.done();
    assert.equal(seen[0]!.headers.host, 'cache.example.org:8080');
    assert.equal(result.answer.pong, 'GhostWhiteCrab/1.0.0');
    assert.equal(result.remoteIp, undefined);
  });

  test('v1 answers are answers', async () => {
    const scope = replay(nock(ORIGIN), '/g.php?hostfile=1', 'v1-hostfile.http');
    replay(scope, '/g.php?urlfile=1', 'v1-urlfile.http');
    const hosts = await fetchGwc(`${ORIGIN}/g.php?hostfile=1`, { userAgent: USER_AGENT });
    const urls = await fetchGwc(`${ORIGIN}/g.php?urlfile=1`, { userAgent: USER_AGENT });
    scope.done();
    assert.equal(hosts.answer.style, 'v1');
    assert.equal(hosts.answer.hosts.length, 3);
    assert.equal(urls.answer.caches.length, 3);
  });

  test('every stored 200 text answer reads as the core parses its body', async () => {
    for (const fixture of [
      'v2-get-lf-extras.http',
      'v1-hostfile-cr.http',
      'v2-pong-update-ok.http',
      'v2-update-warning.http',
      'mixed-ok-v2-warning.http',
      'error-too-early.http',
      'error-net-not-supported.http',
      'v2-net-not-supported.http',
      'v2-nothing.http',
      'empty.http',
    ]) {
      const scope = replay(nock(ORIGIN), '/g.php?get=1', fixture);
      const result = await fetchGwc(`${ORIGIN}/g.php?get=1`, { userAgent: USER_AGENT });
      scope.done();
      const body = loadHttpFixture(join(FIXTURES, fixture)).body.toString('latin1');
      assert.deepEqual(result.answer, (parseGwcAnswer(body) as { value: unknown }).value, fixture);
    }
  });

  test('HTTP errors are http-status with the status (BOOT-14)', async () => {
    const scope = replay(nock(ORIGIN), '/gone.php?get=1', 'html-404.http');
    replay(scope, '/broken.php?get=1', 'status-500.http');
    const gone = await rejectsWith(
      fetchGwc(`${ORIGIN}/gone.php?get=1`, { userAgent: USER_AGENT }),
      'http-status',
    );
    assert.equal(gone.status, 404);
    const broken = await rejectsWith(
      fetchGwc(`${ORIGIN}/broken.php?get=1`, { userAgent: USER_AGENT }),
      'http-status',
    );
    assert.equal(broken.status, 500);
    scope.done();
  });

  test('an HTML page with status 200 is unparsable (BOOT-14)', async () => {
    const scope = replay(nock(ORIGIN), '/home.php?get=1', 'html-200-homepage.http');
    await rejectsWith(
      fetchGwc(`${ORIGIN}/home.php?get=1`, { userAgent: USER_AGENT }),
      'unparsable',
    );
    scope.done();
  });

  test('a 302 is followed to the Location as given (BOOT-17)', async () => {
    const seen: Seen[] = [];
    const scope = replay(nock(ORIGIN), `/gwc/gcache.php?${QUERY}`, 'redirect-302.http', seen);
    replay(scope, `/gwc2/gwc.php?${QUERY}`, 'v2-get.http', seen);
    const result = await fetchGwc(`${ORIGIN}/gwc/gcache.php?${QUERY}`, { userAgent: USER_AGENT });
    scope.done();
    assert.equal(result.finalUrl, `${ORIGIN}/gwc2/gwc.php?${QUERY}`);
    assert.equal(result.answer.hosts.length, 3);
    assert.deepEqual(
      seen.map((s) => s.headers.host),
      ['cache.example.org', 'cache.example.org'],
    );
  });

  test('a relative Location is resolved; a redirect to another host sends that Host', async () => {
    const seen: Seen[] = [];
    const first = nock(ORIGIN)
      .get('/old.php?get=1')
      .reply(301, '', { Location: '/new/gwc.php?get=1' })
      .get('/new/gwc.php?get=1')
      .reply(307, '', { Location: 'http://cache2.example.net/gwc.cgi?get=1' });
    const second = replay(nock('http://cache2.example.net'), '/gwc.cgi?get=1', 'v2-get.http', seen);
    const result = await fetchGwc(`${ORIGIN}/old.php?get=1`, { userAgent: USER_AGENT });
    first.done();
    second.done();
    assert.equal(result.finalUrl, 'http://cache2.example.net/gwc.cgi?get=1');
    assert.equal(seen[0]!.headers.host, 'cache2.example.net');
  });

  test(`a redirect loop stops after ${GWC_MAX_REDIRECTS} redirects`, async () => {
    let requests = 0;
    nock(ORIGIN)
      .get('/loop.php')
      .times(10)
      .reply(() => {
        requests++;
        return [302, '', { Location: `${ORIGIN}/loop.php` }];
      });
    await rejectsWith(
      fetchGwc(`${ORIGIN}/loop.php`, { userAgent: USER_AGENT }),
      'too-many-redirects',
    );
    assert.equal(requests, GWC_MAX_REDIRECTS + 1);
  });

  test('redirects only to http:// and only with a Location', async () => {
    nock(ORIGIN)
      .get('/tls.php')
      .reply(302, '', { Location: 'https://cache.example.org/tls.php' })
      .get('/nowhere.php')
      .reply(302, '');
    await rejectsWith(fetchGwc(`${ORIGIN}/tls.php`, { userAgent: USER_AGENT }), 'bad-redirect');
    await rejectsWith(fetchGwc(`${ORIGIN}/nowhere.php`, { userAgent: USER_AGENT }), 'bad-redirect');
  });

  test('a huge body is too-big, whether declared or streamed', async () => {
    const line = 'H|198.51.100.7:6346|1\r\n';
    const huge = line.repeat(Math.ceil((100 * 1024) / line.length));
    nock(ORIGIN)
      .get('/declared.php')
      .reply(200, huge, { 'Content-Type': 'text/plain', 'Content-Length': String(huge.length) });
    await rejectsWith(fetchGwc(`${ORIGIN}/declared.php`, { userAgent: USER_AGENT }), 'too-big');

    // No Content-Length: the cap applies while reading.
    const chunk = Buffer.from(line.repeat(50));
    const stream = Readable.from(Array.from({ length: 200 }, () => chunk));
    nock(ORIGIN)
      .get('/streamed.php')
      .reply(200, () => stream, { 'Content-Type': 'text/plain' });
    await rejectsWith(
      fetchGwc(`${ORIGIN}/streamed.php`, { userAgent: USER_AGENT, maxBytes: 8 * 1024 }),
      'too-big',
    );
  });

  test('an answer that does not come in time is a timeout', async () => {
    const scope = replay(nock(ORIGIN), '/slow.php?get=1', 'v2-get.http', [], 2_000);
    const started = Date.now();
    await rejectsWith(
      fetchGwc(`${ORIGIN}/slow.php?get=1`, { userAgent: USER_AGENT, timeoutMs: 100 }),
      'timeout',
    );
    assert.ok(Date.now() - started < 1_500);
    scope.isDone();
  });

  test('a connection error is unreachable (BOOT-14)', async () => {
    nock(ORIGIN)
      .get('/down.php?get=1')
      .replyWithError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    await rejectsWith(
      fetchGwc(`${ORIGIN}/down.php?get=1`, { userAgent: USER_AGENT }),
      'unreachable',
    );
  });

  test("the caller's signal aborts: code aborted, not the cache's fault", async () => {
    replay(nock(ORIGIN), '/slow.php', 'v2-get.http', [], 2_000).persist();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    await rejectsWith(
      fetchGwc(`${ORIGIN}/slow.php`, { userAgent: USER_AGENT, signal: controller.signal }),
      'aborted',
    );
    await rejectsWith(
      fetchGwc(`${ORIGIN}/slow.php`, { userAgent: USER_AGENT, signal: AbortSignal.abort() }),
      'aborted',
    );
  });

  test('only http:// URLs are fetched', async () => {
    await rejectsWith(
      fetchGwc('https://cache.example.org/g.php', { userAgent: USER_AGENT }),
      'bad-url',
    );
    await rejectsWith(fetchGwc('not a url', { userAgent: USER_AGENT }), 'bad-url');
  });
});

// ---------------------------------------------------------------------------

const silent = pino({ level: 'silent' });
const SELF: GwcSelf = { address: '198.51.100.30', port: 6346, allowUpdate: true };
const A = 'http://a.example/gwc.php';
const B = 'http://b.example/gwc.php';
const C = 'http://c.example/gwc.php';

type Script = (url: string) => GwcFetchResult | GwcError;

/** A fetch that answers from a script per cache host and notes every URL asked. */
function fakeFetch(scripts: Record<string, Script>) {
  const asked: string[] = [];
  const fetch = async (url: string, _options: GwcFetchOptions): Promise<GwcFetchResult> => {
    asked.push(url);
    const script = scripts[new URL(url).host];
    if (!script) throw new GwcError('unreachable', `no script for ${url}`);
    const outcome = script(url);
    if (outcome instanceof GwcError) throw outcome;
    return outcome;
  };
  return { fetch, asked };
}

function answer(body: string): Script {
  return (url) => {
    const parsed = parseGwcAnswer(body);
    if (!parsed.ok) return new GwcError('unparsable', parsed.error.message);
    return { answer: parsed.value, finalUrl: url };
  };
}

const failing =
  (code: GwcErrorCode): Script =>
  () =>
    new GwcError(code, code);

function listOf(...urls: string[]): GwcList {
  const list = new GwcList();
  for (const url of urls) list.add(url, 0, { source: 'config' });
  return list;
}

function bootstrap(list: GwcList, fetch: ReturnType<typeof fakeFetch>['fetch']): GwcBootstrap {
  return new GwcBootstrap({
    list,
    userAgent: USER_AGENT,
    vendor: 'GSNT',
    version: '0.1.0',
    log: silent,
    random: () => 0, // the first usable cache, in insertion order
    fetch,
  });
}

describe('GwcBootstrap', () => {
  test('a dead cache is dropped and the next one tried (BOOT-14)', async () => {
    const list = listOf(A, B);
    const { fetch, asked } = fakeFetch({
      'a.example': failing('unreachable'),
      'b.example': answer('H|198.51.100.7:6346|5\r\nU|http://d.example/gwc.php|9\r\n'),
    });
    const result = await bootstrap(list, fetch).round(0, { hosts: true });
    assert.deepEqual(result, {
      hosts: [{ host: '198.51.100.7', port: 6346 }],
      caches: ['http://d.example/gwc.php'],
    });
    assert.equal(asked.length, 2);
    assert.ok(list.isDropped(A));
    assert.deepEqual(list.dropped(), [{ url: A, reason: 'unreachable' }]);
    assert.equal(list.workingCache(0), B);
  });

  test('ERROR, HTTP errors, unparsable and empty answers drop the cache; I|nothing does not', async () => {
    const cases: [Script, string | undefined][] = [
      [answer('ERROR: Client returned too early\r\n'), 'error: Client returned too early'],
      [failing('http-status'), 'http-status'],
      [failing('unparsable'), 'unparsable'],
      [failing('timeout'), 'timeout'],
      [answer(''), 'empty'],
      [answer('I|nothing\r\n'), undefined],
    ];
    for (const [script, reason] of cases) {
      const list = listOf(A);
      const { fetch } = fakeFetch({ 'a.example': script });
      const result = await bootstrap(list, fetch).round(0, { hosts: true });
      assert.deepEqual(result.hosts, []);
      if (reason === undefined) {
        assert.ok(list.has(A));
      } else {
        assert.deepEqual(list.dropped(), [{ url: A, reason }]);
      }
    }
  });

  test('at most 3 caches are asked in one round', async () => {
    const urls = [1, 2, 3, 4, 5].map((i) => `http://d${i}.example/gwc.php`);
    const list = listOf(...urls);
    const { fetch, asked } = fakeFetch({});
    const result = await bootstrap(list, fetch).round(0, { hosts: true });
    assert.deepEqual(result.hosts, []);
    assert.equal(asked.length, 3);
    assert.equal(list.size, 2);
  });

  test('a cache that answered without hosts is kept, and the round goes on to the next', async () => {
    const list = listOf(A, B);
    const { fetch, asked } = fakeFetch({
      'a.example': answer('I|nothing\r\n'),
      'b.example': answer('198.51.100.8:6346\r\n'),
    });
    const result = await bootstrap(list, fetch).round(0, { hosts: true });
    assert.deepEqual(result.hosts, [{ host: '198.51.100.8', port: 6346 }]);
    assert.equal(asked.length, 2);
    assert.equal(list.size, 2);
  });

  test('a cache is asked at most once an hour (BOOT-15)', async () => {
    const list = listOf(A);
    const { fetch, asked } = fakeFetch({ 'a.example': answer('H|198.51.100.7:6346|5\r\n') });
    const gwc = bootstrap(list, fetch);
    assert.equal((await gwc.round(0, { hosts: true })).hosts.length, 1);
    assert.equal((await gwc.round(30 * 60_000, { hosts: true })).hosts.length, 0);
    assert.equal((await gwc.round(HOUR - 1, { hosts: true })).hosts.length, 0);
    assert.equal(asked.length, 1);
    assert.equal(list.nextUsableAt(HOUR - 1), HOUR);
    assert.equal((await gwc.round(HOUR, { hosts: true })).hosts.length, 1);
    assert.equal(asked.length, 2);
  });

  test('the cache is chosen with the random source given (BOOT-15)', async () => {
    const list = listOf(A, B, C);
    const { fetch, asked } = fakeFetch({ 'c.example': answer('H|198.51.100.7:6346|5\r\n') });
    const gwc = new GwcBootstrap({
      list,
      userAgent: USER_AGENT,
      vendor: 'GSNT',
      version: '0.1.0',
      log: silent,
      random: () => 0.99,
      fetch,
    });
    await gwc.round(0, { hosts: true });
    assert.deepEqual(
      asked.map((url) => new URL(url).host),
      ['c.example'],
    );
  });

  test('an update goes with get in the same request, only when allowed, with a cache that worked (BOOT-16)', async () => {
    const list = listOf(A, B);
    list.succeeded(B, 0);
    const { fetch, asked } = fakeFetch({
      'a.example': answer('H|198.51.100.7:6346|5\r\nI|update|OK\r\n'),
      'b.example': answer('H|198.51.100.8:6346|5\r\n'),
    });
    const gwc = bootstrap(list, fetch);
    await gwc.round(0, { hosts: true }, SELF);
    assert.equal(asked.length, 1);
    assert.equal(
      asked[0],
      `${A}?get=1&update=1&ip=198.51.100.30%3A6346&url=http%3A%2F%2Fb.example%2Fgwc.php` +
        '&net=gnutella&client=GSNT&version=0.1.0',
    );
    assert.equal(gwc.lastUpdateAt, 0);

    // Within the hour no second update, even to another cache.
    await gwc.round(10 * 60_000, { hosts: true }, SELF);
    assert.equal(asked[1], `${B}?get=1&net=gnutella&client=GSNT&version=0.1.0`);
  });

  test('no update when not allowed, and none without hosts needed unless one is due', async () => {
    const list = listOf(A);
    const { fetch, asked } = fakeFetch({ 'a.example': answer('I|pong|x\r\nI|update|OK\r\n') });
    const gwc = bootstrap(list, fetch);
    await gwc.round(0, { hosts: false }, { ...SELF, allowUpdate: false });
    await gwc.round(0, { hosts: false });
    await gwc.round(0, { hosts: false }, { ...SELF, address: 'my.host.example' });
    assert.deepEqual(asked, []);
    await gwc.round(0, { hosts: false }, SELF);
    assert.deepEqual(asked, [
      `${A}?ping=1&update=1&ip=198.51.100.30%3A6346&net=gnutella&client=GSNT&version=0.1.0`,
    ]);
  });

  test('no url= when no cache has worked yet, and never the cache being asked', async () => {
    const list = listOf(A);
    list.succeeded(A, 0);
    const { fetch, asked } = fakeFetch({ 'a.example': answer('I|update|OK\r\n') });
    await bootstrap(list, fetch).round(0, { hosts: false }, SELF);
    assert.equal(new URL(asked[0]!).searchParams.has('url'), false);
  });

  test('an update is retried with the next cache when the first is dead', async () => {
    const list = listOf(A, B);
    const { fetch, asked } = fakeFetch({
      'a.example': failing('unreachable'),
      'b.example': answer('I|pong|x\r\nI|update|OK\r\n'),
    });
    const gwc = bootstrap(list, fetch);
    await gwc.round(0, { hosts: false }, SELF);
    assert.equal(asked.length, 2);
    assert.ok(new URL(asked[1]!).searchParams.has('update'));
    assert.equal(gwc.lastUpdateAt, 0);
  });

  test('Rejected IP from two caches stops updates', async () => {
    const list = listOf(A, B);
    const { fetch, asked } = fakeFetch({
      'a.example': answer('I|update|WARNING|Rejected IP\r\n'),
      'b.example': answer('I|update|WARNING|Rejected IP\r\n'),
    });
    const gwc = bootstrap(list, fetch);
    await gwc.round(0, { hosts: false }, SELF);
    assert.equal(gwc.updatesStopped, false);
    list.contacted(A, HOUR / 2); // so that the next update goes to the other cache
    await gwc.round(HOUR, { hosts: false }, SELF);
    assert.equal(gwc.updatesStopped, true);
    assert.equal(gwc.updateDue(3 * HOUR, SELF), false);
    await gwc.round(3 * HOUR, { hosts: false }, SELF);
    assert.equal(asked.length, 2);
  });

  test('caches learned are added, except dropped ones; net-not-supported is dropped but its U| lines kept', async () => {
    const list = listOf(A, B);
    list.drop('http://old.example/gwc.php', 'unreachable');
    const { fetch } = fakeFetch({
      'a.example': answer('I|net-not-supported\r\nU|http://g2only.example/gwc.php|5\r\n'),
      'b.example': answer(
        'H|198.51.100.7:6346|5\r\nU|http://old.example/gwc.php|1\r\nU|http://new.example/gwc.php|1\r\n',
      ),
    });
    const result = await bootstrap(list, fetch).round(0, { hosts: true });
    assert.deepEqual(result.caches, ['http://new.example/gwc.php']);
    assert.ok(list.isDropped(A));
    assert.ok(list.has('http://g2only.example/gwc.php'));
    assert.equal(list.has('http://old.example/gwc.php'), false);
  });

  test('a round while one runs returns nothing at once', async () => {
    const list = listOf(A, B);
    let release = () => {};
    const slow = new Promise<void>((resolve) => {
      release = resolve;
    });
    const gwc = new GwcBootstrap({
      list,
      userAgent: USER_AGENT,
      vendor: 'GSNT',
      version: '0.1.0',
      log: silent,
      random: () => 0,
      fetch: async (url) => {
        await slow;
        return answer('H|198.51.100.7:6346|5\r\n')(url) as GwcFetchResult;
      },
    });
    const first = gwc.round(0, { hosts: true });
    assert.deepEqual(await gwc.round(0, { hosts: true }), { hosts: [], caches: [] });
    release();
    assert.equal((await first).hosts.length, 1);
  });

  test('an aborted round drops nothing', async () => {
    const list = listOf(A, B);
    const { fetch } = fakeFetch({ 'a.example': failing('aborted') });
    await bootstrap(list, fetch).round(0, { hosts: true });
    assert.equal(list.size, 2);
    assert.deepEqual(list.dropped(), []);
  });

  test('over HTTP: one request carrying get and update, read from a stored answer', async () => {
    const seen: Seen[] = [];
    const list = listOf('http://cache.example.org/gwc/gcache.php', B);
    list.succeeded(B, 0);
    const path =
      '/gwc/gcache.php?get=1&update=1&ip=198.51.100.30%3A6346&url=http%3A%2F%2Fb.example%2Fgwc.php' +
      '&net=gnutella&client=GSNT&version=0.1.0';
    const scope = replay(nock(ORIGIN), path, 'v2-get.http', seen);
    const gwc = new GwcBootstrap({
      list,
      userAgent: USER_AGENT,
      vendor: 'GSNT',
      version: '0.1.0',
      log: silent,
      random: () => 0,
    });
    const result = await gwc.round(0, { hosts: true }, SELF);
    scope.done();
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.headers.host, 'cache.example.org');
    assert.equal(result.hosts.length, 3);
    assert.deepEqual(result.caches, [
      'http://cache2.example.net/gwc.cgi',
      'http://gwc.example.com/cache/gcache.php',
    ]);
  });
});
