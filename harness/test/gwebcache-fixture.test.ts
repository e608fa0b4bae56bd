/** The fixture GWebCache over real sockets on 127.0.0.1, read with the servent's own client. */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { gwcRequestPath } from '../../servent/src/core/bootstrap/gwc.js';
import { fetchGwc, GwcError } from '../../servent/src/node/bootstrap/gwc-client.js';
import { loadHttpFixture, parseRawHttpResponse } from '../fixtures/http-fixture.js';
import { GwebCacheFixture } from '../peers/gwebcache-fixture.js';

const FIXTURES = 'fixtures/http/gwc';
const client = { vendor: 'GSNT', version: '0.1.0' };
const userAgent = 'GnutellaServent/0.1.0';
const hosts = [
  { host: '198.51.100.7', port: 6346 },
  { host: '203.0.113.9', port: 24000 },
];

const started: GwebCacheFixture[] = [];
async function start(
  options: Partial<Parameters<typeof GwebCacheFixture.start>[0]> = {},
): Promise<GwebCacheFixture> {
  const cache = await GwebCacheFixture.start({ host: '127.0.0.1', hosts, ...options });
  started.push(cache);
  return cache;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((cache) => cache.stop()));
});

test('every stored GWC fixture parses, and its Content-Length matches its body', () => {
  const files = readdirSync(FIXTURES).filter((name) => name.endsWith('.http'));
  assert.ok(files.length >= 15);
  for (const file of files) {
    const raw = loadHttpFixture(join(FIXTURES, file));
    assert.ok(raw.status >= 200 && raw.status < 600, file);
    const length = raw.headers.find(([name]) => name.toLowerCase() === 'content-length');
    assert.ok(length, `${file} has a Content-Length`);
    assert.equal(Number(length[1]), raw.body.length, file);
  }
});

test('parseRawHttpResponse: LF heads, bodies kept byte for byte, bad heads refused', () => {
  const raw = parseRawHttpResponse(Buffer.from('HTTP/1.0 302 Found\nLocation: /x\n\n\r\nbody\n'));
  assert.equal(raw.status, 302);
  assert.equal(raw.reason, 'Found');
  assert.deepEqual(raw.headers, [['Location', '/x']]);
  assert.equal(raw.body.toString('latin1'), '\r\nbody\n');
  assert.throws(() => parseRawHttpResponse(Buffer.from('HTTP/1.1 200 OK\r\n')));
  assert.throws(() => parseRawHttpResponse(Buffer.from('HELLO\r\n\r\n')));
  assert.throws(() => parseRawHttpResponse(Buffer.from('HTTP/1.1 200 OK\r\nbad\r\n\r\n')));
});

test('a v2 get: hosts and caches in v2, the request recorded with its query and Host', async () => {
  const cache = await start({ caches: ['http://cache2.example.net/gwc.cgi'] });
  assert.match(cache.url, /^http:\/\/127\.0\.0\.1:\d+\/gwc\.php$/);
  const result = await fetchGwc(gwcRequestPath(cache.url, { dialect: 'v2', client, get: true }), {
    userAgent,
  });
  assert.equal(result.answer.style, 'v2');
  assert.deepEqual(
    result.answer.hosts.map(({ host, port }) => ({ host, port })),
    hosts,
  );
  assert.deepEqual(
    result.answer.caches.map((c) => c.url),
    ['http://cache2.example.net/gwc.cgi'],
  );
  assert.equal(result.remoteIp, '127.0.0.1');
  assert.equal(cache.requests.length, 1);
  const [request] = cache.requests;
  assert.equal(request!.path, '/gwc.php?get=1&net=gnutella&client=GSNT&version=0.1.0');
  assert.equal(request!.query.get('client'), 'GSNT');
  assert.equal(request!.headers.host, `127.0.0.1:${cache.port}`);
  assert.equal(request!.headers['user-agent'], userAgent);
});

test('v1 requests get v1 answers: hostfile, urlfile, ping, update', async () => {
  const cache = await start({ caches: ['http://cache2.example.net/gwc.cgi'] });
  const ask = async (request: Parameters<typeof gwcRequestPath>[1]) =>
    (await fetchGwc(gwcRequestPath(cache.url, request), { userAgent })).answer;
  const hostfile = await ask({ dialect: 'v1', client, ask: 'hostfile' });
  assert.equal(hostfile.style, 'v1');
  assert.deepEqual(hostfile.hosts, hosts);
  const urlfile = await ask({ dialect: 'v1', client, ask: 'urlfile' });
  assert.deepEqual(urlfile.caches, [{ url: 'http://cache2.example.net/gwc.cgi' }]);
  assert.equal((await ask({ dialect: 'v1', client, ask: 'ping' })).pong, 'GwebCacheFixture/1.0');
  const update = await ask({
    dialect: 'v1',
    client,
    update: { ip: { host: '198.51.100.30', port: 6346 } },
  });
  assert.equal(update.update, 'ok');
});

test('v2 ping with update combined; an empty v2 answer says I|nothing', async () => {
  const cache = await start({ hosts: [] });
  const both = await fetchGwc(
    gwcRequestPath(cache.url, {
      dialect: 'v2',
      client,
      ping: true,
      update: { ip: { host: '198.51.100.30', port: 6346 } },
    }),
    { userAgent },
  );
  assert.equal(both.answer.pong, 'GwebCacheFixture/1.0');
  assert.equal(both.answer.update, 'ok');
  const none = await fetchGwc(gwcRequestPath(cache.url, { dialect: 'v2', client, get: true }), {
    userAgent,
  });
  assert.equal(none.answer.nothing, true);
  assert.equal(none.answer.style, 'v2');
  assert.equal(cache.requests[0]!.query.get('ip'), '198.51.100.30:6346');
});

test('setHosts changes what later answers hand out', async () => {
  const cache = await start();
  cache.setHosts([{ host: '192.0.2.1', port: 6350 }]);
  const result = await fetchGwc(gwcRequestPath(cache.url, { dialect: 'v2', client, get: true }), {
    userAgent,
  });
  assert.deepEqual(
    result.answer.hosts.map((h) => `${h.host}:${h.port}`),
    ['192.0.2.1:6350'],
  );
});

test('a v1-only cache answers ERROR to a v2 get, and hostfile in v1', async () => {
  const cache = await start({ answers: 'v1' });
  const get = await fetchGwc(gwcRequestPath(cache.url, { dialect: 'v2', client, get: true }), {
    userAgent,
  });
  assert.ok(get.answer.error);
  const hostfile = await fetchGwc(
    gwcRequestPath(cache.url, { dialect: 'v1', client, ask: 'hostfile' }),
    { userAgent },
  );
  assert.deepEqual(hostfile.answer.hosts, hosts);
});

test('a stored answer is replayed verbatim, status and headers included', async () => {
  const file = join(FIXTURES, 'v2-get.http');
  const cache = await start({ answers: { fixture: file } });
  const url = new URL(cache.url);
  const bytes = await rawGet(url.hostname, Number(url.port), '/gwc.php?get=1');
  assert.deepEqual(parseRawHttpResponse(bytes), loadHttpFixture(file));

  cache.setAnswers({ fixture: join(FIXTURES, 'html-404.http') });
  await assert.rejects(
    fetchGwc(`${cache.url}?get=1`, { userAgent }),
    (error: unknown) => error instanceof GwcError && error.status === 404,
  );
});

test('other paths are 404', async () => {
  const cache = await start();
  await assert.rejects(
    fetchGwc(cache.url.replace('/gwc.php', '/other.php?get=1'), { userAgent }),
    (error: unknown) => error instanceof GwcError && error.code === 'http-status',
  );
});

test('fetchGwc over real sockets: a refused connection is unreachable, a silent server a timeout', async () => {
  const cache = await start();
  const port = cache.port;
  await cache.stop();
  started.length = 0;
  await assert.rejects(
    fetchGwc(`http://127.0.0.1:${port}/gwc.php?get=1`, { userAgent }),
    (error: unknown) => error instanceof GwcError && error.code === 'unreachable',
  );

  const silent = net.createServer(() => {});
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const silentPort = (silent.address() as net.AddressInfo).port;
  try {
    await assert.rejects(
      fetchGwc(`http://127.0.0.1:${silentPort}/gwc.php?get=1`, { userAgent, timeoutMs: 100 }),
      (error: unknown) => error instanceof GwcError && error.code === 'timeout',
    );
  } finally {
    silent.close();
    // A client that timed out has closed its socket; nothing is left open.
  }
});

/** One GET on a raw socket, the whole answer as bytes: what the server sent, nothing parsed. */
function rawGet(host: string, port: number, path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port }, () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nConnection: close\r\n\r\n`);
    });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks)));
    socket.on('error', reject);
  });
}
