import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { loadHttpFixture } from '../../../harness/fixtures/http-fixture.js';
import { seeded } from '../../../harness/util/seeded.js';
import {
  GWC_MAX_ANSWER_CACHES,
  GWC_MAX_ANSWER_HOSTS,
  GWC_MAX_CACHES,
  GWC_REUSE_PERIOD_MS,
  GWC_UPDATE_MIN_UPTIME_MS,
  type GwcAnswer,
  GwcList,
  gwcAnswerFault,
  gwcRequestPath,
  normalizeCacheUrl,
  parseGwcAnswer,
  updateAllowed,
} from '../../src/core/bootstrap/gwc.js';
import { UsageError } from '../../src/core/errors.js';

const FIXTURES = 'fixtures/http/gwc';
const HOUR = 3_600_000;

function fixtureBody(name: string): string {
  return loadHttpFixture(join(FIXTURES, name)).body.toString('latin1');
}

function parsed(body: string): GwcAnswer {
  const result = parseGwcAnswer(body);
  assert.ok(result.ok, result.ok ? '' : result.error.toString());
  return result.value;
}

function unparsable(body: string): void {
  const result = parseGwcAnswer(body);
  assert.equal(result.ok, false);
  if (!result.ok) assert.equal(result.error.code, 'gwc-unparsable');
}

const client = { vendor: 'GSNT', version: '0.1.0' };

describe('normalizeCacheUrl (§6.3)', () => {
  const cases: [string, string | undefined][] = [
    ['http://cache.example.org/gwc.php', 'http://cache.example.org/gwc.php'],
    ['HTTP://Cache.Example.ORG/Path/GWC.php', 'http://cache.example.org/Path/GWC.php'],
    ['http://zero-g.example/gcache/index.cgi', 'http://zero-g.example/gcache'],
    ['http://a.example/x/index.php', 'http://a.example/x'],
    ['http://a.example/x/INDEX.ASP', 'http://a.example/x'],
    ['http://a.example/index.jsp', 'http://a.example'],
    ['http://a.example/x/index.cfm/', 'http://a.example/x'],
    ['http://a.example/x/index.html', 'http://a.example/x/index.html'],
    ['http://a.example/gcache/', 'http://a.example/gcache'],
    ['http://a.example//', 'http://a.example'],
    ['http://a.example/%7Ealice/gcache.php', 'http://a.example/~alice/gcache.php'],
    ['http://a.example:80/gwc.php', 'http://a.example/gwc.php'],
    ['http://a.example:8080/gwc.php', 'http://a.example:8080/gwc.php'],
    ['http://a.example./gwc.php', 'http://a.example/gwc.php'],
    ['http://172.17.0.1:41234/gwc.php', 'http://172.17.0.1:41234/gwc.php'],
    ['http://a.example/gwc.php?net=gnutella', 'http://a.example/gwc.php?net=gnutella'],
    ['http://a.example/gwc.php?', 'http://a.example/gwc.php'],
    ['http://a.example/gwc.php#top', 'http://a.example/gwc.php'],
    ['  http://a.example/gwc.php \r\n', 'http://a.example/gwc.php'],
    ['https://a.example/gwc.php', undefined],
    ['ftp://a.example/gwc', undefined],
    ['http://', undefined],
    ['http://user:secret@a.example/gwc.php', undefined],
    ['http://user@a.example/gwc.php', undefined],
    ['http://a.example/g wc.php', undefined],
    ['http://a.example/g\u0001wc.php', undefined],
    ['http://a.example/gwc%0d%0aHost:%20evil.php', undefined],
    ['http://a.example/%25', undefined],
    ['http://a.example/caf\u00e9.php', undefined],
    ['http://a.example:0/', undefined],
    ['http://a.example:65536/', undefined],
    ['http://999.1.1.1/gwc.php', undefined],
    ['http://-bad.example/', undefined],
    ['http://[::1]/gwc.php', undefined],
    [`http://a.example/${'x'.repeat(290)}`, undefined],
  ];
  for (const [input, expected] of cases) {
    test(`${JSON.stringify(input.slice(0, 60))} → ${expected}`, () => {
      assert.equal(normalizeCacheUrl(input), expected);
    });
  }

  test('a URL of exactly 300 characters is kept', () => {
    const url = `http://a.example/${'x'.repeat(300 - 'http://a.example/'.length)}`;
    assert.equal(url.length, 300);
    assert.equal(normalizeCacheUrl(url), url);
  });
});

describe('gwcRequestPath (BOOT-12)', () => {
  test('v2 get: get=1, net=gnutella, client and version', () => {
    assert.equal(
      gwcRequestPath('http://cache.example.org/gwc.php', { dialect: 'v2', client, get: true }),
      'http://cache.example.org/gwc.php?get=1&net=gnutella&client=GSNT&version=0.1.0',
    );
  });

  test('v2 update combined with get in one request, values escaped as the GWC2 guide says', () => {
    const url = gwcRequestPath('http://cache.example.org/gwc.php', {
      dialect: 'v2',
      client: { vendor: 'GSNT', version: '0.1 beta~(x)' },
      get: true,
      update: {
        ip: { host: '198.51.100.30', port: 6346 },
        url: 'http://cache2.example.net/gwc.cgi',
      },
    });
    assert.equal(
      url,
      'http://cache.example.org/gwc.php?get=1&update=1&ip=198.51.100.30%3A6346' +
        '&url=http%3A%2F%2Fcache2.example.net%2Fgwc.cgi&net=gnutella&client=GSNT' +
        '&version=0.1%20beta%7E%28x%29',
    );
    const query = new URL(url).searchParams;
    assert.equal(query.get('ip'), '198.51.100.30:6346');
    assert.equal(query.get('url'), 'http://cache2.example.net/gwc.cgi');
    assert.equal(query.get('version'), '0.1 beta~(x)');
  });

  test('v2 ping with an update only', () => {
    assert.equal(
      gwcRequestPath('http://c.example/g.php', {
        dialect: 'v2',
        client,
        ping: true,
        update: { ip: { host: '198.51.100.30', port: 6346 } },
      }),
      'http://c.example/g.php?ping=1&update=1&ip=198.51.100.30%3A6346&net=gnutella&client=GSNT&version=0.1.0',
    );
  });

  test('v1 forms: hostfile, urlfile, and an update without update=1', () => {
    assert.equal(
      gwcRequestPath('http://c.example/g.php', { dialect: 'v1', client, ask: 'hostfile' }),
      'http://c.example/g.php?hostfile=1&net=gnutella&client=GSNT&version=0.1.0',
    );
    assert.equal(
      gwcRequestPath('http://c.example/g.php', { dialect: 'v1', client, ask: 'urlfile' }),
      'http://c.example/g.php?urlfile=1&net=gnutella&client=GSNT&version=0.1.0',
    );
    assert.equal(
      gwcRequestPath('http://c.example/g.php', {
        dialect: 'v1',
        client,
        update: { ip: { host: '198.51.100.30', port: 6346 } },
      }),
      'http://c.example/g.php?ip=198.51.100.30%3A6346&net=gnutella&client=GSNT&version=0.1.0',
    );
  });

  test("the cache URL's own query is kept in front; a bare host gets a / path", () => {
    assert.equal(
      gwcRequestPath('http://c.example/cgi-bin/gwc?cache=1', { dialect: 'v2', client, get: true }),
      'http://c.example/cgi-bin/gwc?cache=1&get=1&net=gnutella&client=GSNT&version=0.1.0',
    );
    assert.equal(
      gwcRequestPath('http://c.example', { dialect: 'v2', client, get: true }),
      'http://c.example/?get=1&net=gnutella&client=GSNT&version=0.1.0',
    );
  });

  test('requests that cannot be written are our bug (UsageError)', () => {
    const base = 'http://c.example/g.php';
    assert.throws(() => gwcRequestPath(base, { dialect: 'v2', client }), UsageError);
    assert.throws(
      () =>
        gwcRequestPath(base, { dialect: 'v2', client: { vendor: 'GS', version: '1' }, get: true }),
      UsageError,
    );
    assert.throws(
      () =>
        gwcRequestPath(base, {
          dialect: 'v2',
          client: { vendor: 'GSNT', version: 'x'.repeat(17) },
          get: true,
        }),
      UsageError,
    );
    assert.throws(
      () =>
        gwcRequestPath(base, {
          dialect: 'v2',
          client,
          update: { ip: { host: 'cache.example', port: 6346 } },
        }),
      UsageError,
    );
    assert.throws(
      () => gwcRequestPath(base, { dialect: 'v2', client, update: { url: 'https://x.example' } }),
      UsageError,
    );
    assert.throws(() => gwcRequestPath(base, { dialect: 'v2', client, update: {} }), UsageError);
    assert.throws(
      () => gwcRequestPath('https://c.example/', { dialect: 'v2', client, get: true }),
      UsageError,
    );
  });
});

describe('parseGwcAnswer on the fixtures (BOOT-13)', () => {
  test('v2 get, CRLF: hosts with ages and caches', () => {
    assert.deepEqual(parsed(fixtureBody('v2-get.http')), {
      hosts: [
        { host: '198.51.100.7', port: 6346, ageS: 400 },
        { host: '203.0.113.9', port: 24000, ageS: 4456 },
        { host: '192.0.2.44', port: 6348, ageS: 91 },
      ],
      caches: [
        { url: 'http://cache2.example.net/gwc.cgi', ageS: 400 },
        { url: 'http://gwc.example.com/cache/gcache.php', ageS: 1203 },
      ],
      nothing: false,
      style: 'v2',
    });
  });

  test('v2, LF only: extra fields, lower-case letters and unknown lines tolerated, bad entries skipped', () => {
    const answer = parsed(fixtureBody('v2-get-lf-extras.http'));
    assert.deepEqual(answer.hosts, [
      { host: '198.51.100.7', port: 6346, ageS: 321 },
      { host: '203.0.113.9', port: 24000, ageS: 12 },
    ]);
    assert.deepEqual(answer.caches, [{ url: 'http://gwc.example.com/cache', ageS: 321 }]);
    assert.equal(answer.pong, 'ExampleCache 1.0');
    assert.equal(answer.style, 'v2');
    assert.equal(answer.nothing, false);
    assert.equal(gwcAnswerFault(answer), undefined);
  });

  test('v1 hostfile, CRLF and CR only', () => {
    const hosts = [
      { host: '198.51.100.7', port: 6346 },
      { host: '203.0.113.9', port: 24000 },
    ];
    const crlf = parsed(fixtureBody('v1-hostfile.http'));
    assert.deepEqual(crlf.hosts, [...hosts, { host: '192.0.2.44', port: 6348 }]);
    assert.equal(crlf.style, 'v1');
    assert.deepEqual(parsed(fixtureBody('v1-hostfile-cr.http')).hosts, hosts);
  });

  test('v1 urlfile: bare URLs, normalised', () => {
    assert.deepEqual(parsed(fixtureBody('v1-urlfile.http')).caches, [
      { url: 'http://cache2.example.net/gwc.cgi' },
      { url: 'http://gwc.example.com/cache/gcache.php' },
      { url: 'http://www.example.org/~alice/gcache' },
    ]);
  });

  test('pongs and update outcomes, both dialects', () => {
    assert.equal(parsed(fixtureBody('v1-pong.http')).pong, 'GhostWhiteCrab/1.0.0');
    assert.equal(parsed(fixtureBody('v1-update-ok.http')).update, 'ok');
    assert.deepEqual(parsed(fixtureBody('v1-update-warning.http')).update, {
      warning: 'Reported different IP address',
    });
    const both = parsed(fixtureBody('v2-pong-update-ok.http'));
    assert.equal(both.pong, 'GhostWhiteCrab/1.0.0');
    assert.equal(both.update, 'ok');
    const early = parsed(fixtureBody('v2-update-warning.http'));
    assert.equal(early.pong, 'GWebCache 0.9.0b');
    assert.deepEqual(early.update, { warning: 'You came back too early' });
    // An OK in v1 then a v2 warning: the warning wins.
    assert.deepEqual(parsed(fixtureBody('mixed-ok-v2-warning.http')).update, {
      warning: 'Client returned too early',
    });
  });

  test('ERROR answers are errors the cache is dropped for (BOOT-14)', () => {
    const early = parsed(fixtureBody('error-too-early.http'));
    assert.equal(early.error, 'Client returned too early');
    assert.equal(gwcAnswerFault(early), 'error: Client returned too early');
    assert.equal(
      parsed(fixtureBody('error-net-not-supported.http')).error,
      'Network not supported',
    );
    assert.equal(parsed('ERROR\r\n').error, 'ERROR');
  });

  test('I|net-not-supported keeps its U| lines as redirects, and is a fault', () => {
    const answer = parsed(fixtureBody('v2-net-not-supported.http'));
    assert.equal(answer.netNotSupported, true);
    assert.deepEqual(answer.caches, [{ url: 'http://cache2.example.net/gwc.cgi', ageS: 600 }]);
    assert.equal(gwcAnswerFault(answer), 'net-not-supported');
  });

  test('I|nothing is a proper v2 answer; an empty body is not (BOOT-14)', () => {
    const nothing = parsed(fixtureBody('v2-nothing.http'));
    assert.equal(nothing.nothing, true);
    assert.equal(nothing.style, 'v2');
    assert.equal(gwcAnswerFault(nothing), undefined);
    for (const body of [fixtureBody('empty.http'), '', '\r\n\r\n', '\n', '\r']) {
      const empty = parsed(body);
      assert.equal(empty.nothing, true);
      assert.equal(gwcAnswerFault(empty), 'empty');
    }
  });

  test('HTML pages are unparsable', () => {
    unparsable(fixtureBody('html-404.http'));
    unparsable(fixtureBody('html-200-homepage.http'));
    unparsable(fixtureBody('status-500.http'));
    unparsable('\r\n  <html><body>http://a.example/ 1.2.3.4:5</body></html>');
  });

  test('binary and unknown text are unparsable', () => {
    unparsable('\u0000\u0001\u0002binary');
    unparsable('H|1.2.3.4:6346|5\r\n\u001b[0m');
    unparsable('Hello world\r\nNothing to see\r\n');
    unparsable('12\r\n3\r\n4\r\n'); // a statfile is not an answer to our requests
  });
});

describe('parseGwcAnswer details', () => {
  test('hosts: dotted IPv4 with port 1..65535, no leading zeros; malformed ones skipped, the rest kept', () => {
    const answer = parsed(
      [
        '198.51.100.7:6346',
        '001.002.003.012:6346',
        '198.51.100.8:65536',
        '198.51.100.9:0',
        '0.0.0.0:6346',
        '198.51.100.10',
        '198.51.100.11:6346 trailing words',
        '198.51.100.7:6346',
        'H|198.51.100.12:+6346|1',
        'H|198.51.100.13:6346|-5',
        'H|198.51.100.14:6346|',
      ].join('\n'),
    );
    assert.deepEqual(answer.hosts, [
      { host: '198.51.100.7', port: 6346 },
      { host: '198.51.100.11', port: 6346 },
      { host: '198.51.100.13', port: 6346 },
      { host: '198.51.100.14', port: 6346 },
    ]);
  });

  test('a body that is all malformed entries still parses: a v2 answer with nothing in it', () => {
    const answer = parsed('H|999.1.1.1:6346|5\r\nU|https://x.example/|5\r\n');
    assert.equal(answer.nothing, true);
    assert.equal(answer.style, 'v2');
  });

  test('letters and keywords are case-insensitive', () => {
    const answer = parsed('i|PONG|Cache 2\nI|Update|ok\nh|198.51.100.7:6346|1\npong x\n');
    assert.equal(answer.pong, 'Cache 2');
    assert.equal(answer.update, 'ok');
    assert.equal(answer.hosts.length, 1);
    assert.equal(parsed('error: gone').error, 'gone');
    assert.deepEqual(parsed('warning: Rejected IP').update, { warning: 'Rejected IP' });
  });

  test('with any LF in the body, CRs are noise; without, each CR ends a line', () => {
    assert.deepEqual(parsed('H|198.51.100.7:6346|1\r\r\nH|198.51.100.8:6346|2').hosts.length, 2);
    assert.deepEqual(
      parsed('198.51.100.7:6346\r198.51.100.8:6346\r').hosts.map((h) => h.host),
      ['198.51.100.7', '198.51.100.8'],
    );
  });

  test('a byte-order mark is skipped', () => {
    assert.equal(parsed('\uFEFFI|pong|x').pong, 'x');
  });

  test(`at most ${GWC_MAX_ANSWER_HOSTS} hosts and ${GWC_MAX_ANSWER_CACHES} caches are kept, and only the first 1000 lines read`, () => {
    const hosts = Array.from({ length: 300 }, (_, i) => `H|10.0.${i >> 8}.${i & 255}:6346|1`);
    const caches = Array.from({ length: 300 }, (_, i) => `U|http://c${i}.example/|1`);
    const answer = parsed([...hosts, ...caches, 'I|pong|late'].join('\n'));
    assert.equal(answer.hosts.length, GWC_MAX_ANSWER_HOSTS);
    assert.equal(answer.caches.length, GWC_MAX_ANSWER_CACHES);
    assert.equal(answer.pong, 'late');
    const long = [...Array.from({ length: 1000 }, () => 'I|whatever'), 'I|pong|too late'];
    assert.equal(parsed(long.join('\n')).pong, undefined);
  });

  test('never throws, whatever the body (property)', () => {
    const line = fc.oneof(
      fc.string(),
      fc.constantFrom('H|', 'U|', 'I|', 'ERROR', 'OK', 'PONG', 'http://', '1.2.3.4:', '<'),
      fc
        .tuple(fc.constantFrom('H', 'U', 'I', 'h', 'x'), fc.array(fc.string(), { maxLength: 4 }))
        .map(([letter, fields]) => [letter, ...fields].join('|')),
    );
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 30 }),
        fc.constantFrom('\n', '\r\n', '\r'),
        (lines, end) => {
          const result = parseGwcAnswer(lines.join(end));
          if (result.ok) {
            assert.ok(result.value.hosts.length <= GWC_MAX_ANSWER_HOSTS);
            for (const cache of result.value.caches) {
              assert.equal(normalizeCacheUrl(cache.url), cache.url);
            }
          } else {
            assert.equal(result.error.code, 'gwc-unparsable');
          }
        },
      ),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 500 }), (body) => {
        parseGwcAnswer(body);
      }),
      { numRuns: 500 },
    );
  });
});

describe('GwcList', () => {
  const urls = ['http://a.example/gwc.php', 'http://b.example/gwc.php', 'http://c.example/gwc.php'];

  function listOf(now = 0): GwcList {
    const list = new GwcList();
    for (const url of urls) assert.ok(list.add(url, now, { source: 'config' }));
    return list;
  }

  test('URLs are stored normalised; a known, unusable or dropped URL is not added', () => {
    const list = new GwcList();
    assert.ok(list.add('HTTP://A.example/gwc/index.php', 0, { source: 'config' }));
    assert.equal(list.add('http://a.example/gwc/', 1, { source: 'learned' }), false);
    assert.equal(list.add('https://b.example/', 1, { source: 'learned' }), false);
    assert.deepEqual(
      list.entries().map((e) => e.url),
      ['http://a.example/gwc'],
    );
    assert.ok(list.drop('http://a.example/gwc', 'error: gone'));
    assert.equal(list.add('http://A.example/gwc/', 2, { source: 'learned' }), false);
    assert.ok(list.isDropped('http://a.example/gwc/index.php'));
    assert.equal(list.size, 0);
  });

  test('the list is bounded; a cache that worked, or came from config, is not evicted', () => {
    const list = new GwcList();
    list.add('http://kept.example/', 0, { source: 'learned' });
    list.succeeded('http://kept.example/', 0);
    for (let i = 0; i < GWC_MAX_CACHES + 10; i++) {
      list.add(`http://c${i}.example/`, i + 1, { source: 'learned' });
    }
    assert.equal(list.size, GWC_MAX_CACHES);
    assert.ok(list.has('http://kept.example'));
    assert.equal(list.has('http://c0.example'), false);
    assert.ok(list.has(`http://c${GWC_MAX_CACHES + 9}.example`));
  });

  test('pick chooses at random among usable caches (BOOT-15), reproducibly with a seed', () => {
    const random = seeded(7);
    const counts = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      const url = listOf().pick(0, random)!;
      counts.set(url, (counts.get(url) ?? 0) + 1);
    }
    assert.deepEqual([...counts.keys()].sort(), urls);
    for (const count of counts.values()) assert.ok(count > 850 && count < 1150, `${count}`);
    const a = seeded(42);
    const b = seeded(42);
    const list = listOf();
    assert.deepEqual(
      Array.from({ length: 10 }, () => list.pick(0, a)),
      Array.from({ length: 10 }, () => list.pick(0, b)),
    );
  });

  test('a contacted cache rests an hour (BOOT-15); nextUsableAt says when one is usable', () => {
    const list = listOf();
    assert.equal(list.nextUsableAt(0), 0);
    list.contacted(urls[0]!, 1_000);
    list.contacted(urls[1]!, 2_000);
    for (let i = 0; i < 20; i++) assert.equal(list.pick(5_000, Math.random), urls[2]);
    list.contacted(urls[2]!, 3_000);
    assert.equal(list.pick(5_000, Math.random), undefined);
    assert.equal(list.nextUsableAt(5_000), 1_000 + GWC_REUSE_PERIOD_MS);
    assert.equal(list.pick(1_000 + GWC_REUSE_PERIOD_MS - 1, Math.random), undefined);
    assert.equal(list.pick(1_000 + GWC_REUSE_PERIOD_MS, Math.random), urls[0]);
    assert.equal(new GwcList().nextUsableAt(0), undefined);
  });

  test('a random source returning 1 or more still picks a cache in range', () => {
    assert.equal(
      listOf().pick(0, () => 1),
      urls[2],
    );
  });

  test('drop forgets a cache for good (BOOT-14), and the dropped set is bounded', () => {
    const list = listOf();
    assert.ok(list.drop(urls[1]!, 'unreachable'));
    assert.equal(list.drop(urls[1]!, 'unreachable'), false);
    assert.equal(list.size, 2);
    assert.deepEqual(list.dropped(), [{ url: urls[1], reason: 'unreachable' }]);
    for (let i = 0; i < 20; i++) assert.notEqual(list.pick(0, Math.random), urls[1]);
    for (let i = 0; i < 1100; i++) list.drop(`http://d${i}.example/`, 'x');
    assert.equal(list.dropped().length, 1000);
  });

  test('workingCache is the latest that answered well, within a day, never the one excluded (BOOT-16)', () => {
    const list = listOf();
    assert.equal(list.workingCache(0), undefined);
    list.succeeded(urls[0]!, 10);
    list.succeeded(urls[1]!, 20);
    assert.equal(list.workingCache(30), urls[1]);
    assert.equal(list.workingCache(30, urls[1]), urls[0]);
    assert.equal(list.workingCache(20 + 25 * HOUR), undefined);
  });

  test('toJSON / fromJSON round trip', () => {
    const list = listOf(5);
    list.contacted(urls[0]!, 100);
    list.succeeded(urls[0]!, 101);
    list.drop(urls[2]!, 'http-status');
    const copy = GwcList.fromJSON(JSON.parse(JSON.stringify(list)), 1_000);
    assert.deepEqual(copy.toJSON(), list.toJSON());
    assert.equal(copy.workingCache(1_000), urls[0]);
    assert.equal(
      copy.pick(1_000, () => 0),
      urls[1],
    );
    assert.equal(copy.add(urls[2]!, 1_000, { source: 'learned' }), false);
  });

  test('fromJSON skips bad entries and pulls future times back to now', () => {
    const copy = GwcList.fromJSON(
      {
        format: 'gwc-list/1',
        caches: [
          { url: 'http://a.example/', source: 'config', addedAt: 1, lastContactAt: 9e15 },
          { url: 'https://bad.example/', source: 'config', addedAt: 1 },
          { url: 42 },
          null,
          { url: 'http://b.example/', source: 'alien', addedAt: 'yesterday', lastSuccessAt: -1 },
        ],
        dropped: [{ url: 'http://c.example/', reason: 'unreachable' }, { url: 7 }],
      },
      1_000,
    );
    assert.deepEqual(copy.entries(), [
      { url: 'http://a.example', source: 'config', addedAt: 1, lastContactAt: 1_000 },
      { url: 'http://b.example', source: 'saved', addedAt: 1_000 },
    ]);
    assert.deepEqual(copy.dropped(), [{ url: 'http://c.example', reason: 'unreachable' }]);
    for (const junk of [undefined, null, 7, 'x', [], { format: 'other/1', caches: [] }]) {
      assert.equal(GwcList.fromJSON(junk, 0).size, 0);
    }
  });
});

describe('updateAllowed (BOOT-16)', () => {
  const good = {
    uptimeMs: GWC_UPDATE_MIN_UPTIME_MS,
    acceptsIncoming: true,
    mode: 'ultrapeer' as const,
    address: '198.51.100.30',
  };

  test('a reachable ultrapeer up an hour that knows its address may update', () => {
    assert.equal(updateAllowed(good), true);
  });

  test('not a leaf, not unreachable, not before an hour, not without an external IPv4', () => {
    assert.equal(updateAllowed({ ...good, mode: 'leaf' }), false);
    assert.equal(updateAllowed({ ...good, acceptsIncoming: false }), false);
    assert.equal(updateAllowed({ ...good, uptimeMs: GWC_UPDATE_MIN_UPTIME_MS - 1 }), false);
    assert.equal(updateAllowed({ ...good, address: undefined }), false);
    assert.equal(updateAllowed({ ...good, address: 'host.example' }), false);
    assert.equal(updateAllowed({ ...good, address: '0.0.0.0' }), false);
  });
});
