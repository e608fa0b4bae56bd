/**
 * Transfers between servents on real loopback sockets and real files, in one
 * process (node/transfer/*): swarmed downloads verified by the Tiger tree,
 * a lying source, resume, the active queue, hostile requests, push with GIV.
 * Test-side HTTP servers and TCP proxies play the parts no servent can
 * (a liar, a source that stalls, a push proxy) and record what is on the wire.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sha1Urn, TigerTreeBuilder } from '../../src/core/hash/index.js';
import {
  formatResponseHead,
  HeadReader,
  type HttpHeaders,
  type HttpRequest,
  type HttpResponse,
  parseRange,
  parseRequestHead,
  parseResponseHead,
  parseTarget,
} from '../../src/core/http/index.js';
import { IntervalSet } from '../../src/core/transfer/intervals.js';
import { encodeThex, thexDepth } from '../../src/core/transfer/thex.js';
import { base32Encode } from '../../src/core/wire/base32.js';
import { guidFromHex } from '../../src/core/wire/guid.js';
import { parseConfig, type ServentConfigInput } from '../../src/node/config.js';
import { createLogger } from '../../src/node/log.js';
import { Servent } from '../../src/node/servent.js';
import type { Download } from '../../src/node/transfer/download.js';

const log = createLogger('silent');
const MIB = 1024 * 1024;
const LOCAL = '127.0.0.1';

// ---- fixtures: folders, content, servents ----

/** Cleanups of one test, run last-registered first when it ends. */
function cleanups(t: TestContext) {
  const stack: Array<() => Promise<unknown> | unknown> = [];
  t.after(async () => {
    for (const run of stack.reverse()) await run();
  });
  return (run: () => Promise<unknown> | unknown) => stack.push(run);
}

async function tempDir(defer: ReturnType<typeof cleanups>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gnutella-transfers-test-'));
  defer(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** `size` pseudo-random bytes from `seed` (xorshift32): the same every run. */
function seeded(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

const sha1Of = (bytes: Uint8Array): Uint8Array =>
  new Uint8Array(createHash('sha1').update(bytes).digest());
const hexOf = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

interface Content {
  name: string;
  bytes: Uint8Array;
  sha1: Uint8Array;
  size: number;
}

function content(name: string, size: number, seed: number): Content {
  const bytes = seeded(size, seed);
  return { name, bytes, sha1: sha1Of(bytes), size };
}

async function until<T>(
  what: string,
  get: () => T | undefined | false,
  timeoutMs = 20_000,
  detail: () => unknown = () => '',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = get();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      throw new Error(
        `${what}: not so after ${timeoutMs} ms; last state ${JSON.stringify(detail())}`,
      );
    }
    await sleep(20);
  }
}

async function startServent(
  defer: ReturnType<typeof cleanups>,
  settings: Partial<ServentConfigInput> & { data: string },
): Promise<{ servent: Servent; port: number }> {
  const servent = new Servent(
    parseConfig({ listen: `${LOCAL}:0`, logLevel: 'silent', watchShare: false, ...settings }),
    log,
  );
  const { port } = await servent.start();
  defer(() => servent.stop());
  return { servent, port };
}

/** A servent sharing `file` (written to a fresh share folder), once it is hashed. */
async function startUploader(
  defer: ReturnType<typeof cleanups>,
  file: Content,
  settings: Partial<ServentConfigInput> = {},
): Promise<{ servent: Servent; port: number; index: number }> {
  const root = await tempDir(defer);
  const share = join(root, 'share');
  await mkdir(share);
  await writeFile(join(share, file.name), file.bytes);
  const started = await startServent(defer, { share, data: join(root, 'data'), ...settings });
  const shared = await until(
    'the uploader has hashed its file',
    () =>
      started.servent
        .shares()
        .find((f) => hexOf(f.sha1) === hexOf(file.sha1) && f.tigerLevel !== undefined),
    20_000,
  );
  return { ...started, index: shared.index };
}

async function startDownloader(defer: ReturnType<typeof cleanups>, data?: string) {
  return startServent(defer, { data: data ?? join(await tempDir(defer), 'data') });
}

/** Polls the download until it is complete, then checks the saved file. */
async function completed(download: Download, file: Content, timeoutMs = 20_000) {
  const status = await until(
    `download of ${file.name} complete`,
    () => {
      const s = download.status();
      if (s.state === 'failed') throw new Error(`download failed: ${JSON.stringify(s)}`);
      return s.state === 'complete' ? s : undefined;
    },
    timeoutMs,
    () => download.status(),
  );
  assert.ok(status.path, 'the saved path is reported');
  const saved = new Uint8Array(await readFile(status.path));
  assert.equal(saved.length, file.size);
  assert.equal(sha1Urn(sha1Of(saved)), sha1Urn(file.sha1), 'the saved file has the SHA-1');
  return status;
}

// ---- test-side servers: HTTP peers and TCP proxies that record ----

interface Closer {
  port: number;
  close(): Promise<void>;
}

function listen(server: net.Server, sockets: Set<net.Socket>): Promise<number> {
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  });
  return new Promise((resolve) => {
    server.listen(0, LOCAL, () => resolve((server.address() as net.AddressInfo).port));
  });
}

function closer(server: net.Server, sockets: Set<net.Socket>, port: number): Closer {
  let closed: Promise<void> | undefined;
  return {
    port,
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      });
      return closed;
    },
  };
}

type Handler = (request: HttpRequest, socket: net.Socket) => Promise<void> | void;

/**
 * An HTTP peer written for the test: requests on a connection are answered
 * one after another by `handler`; every request is recorded, with its time.
 */
async function httpPeer(
  defer: ReturnType<typeof cleanups>,
  handler: Handler,
): Promise<Closer & { requests: Array<HttpRequest & { at: number }>; open(): number }> {
  const sockets = new Set<net.Socket>();
  const requests: Array<HttpRequest & { at: number }> = [];
  const server = net.createServer((socket) => {
    const reader = new HeadReader();
    let queue = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      let rest: Uint8Array = chunk;
      for (;;) {
        const read = reader.push(rest);
        if (!read.ok) return socket.destroy();
        if (read.value === undefined) return;
        rest = read.value.rest;
        const request = parseRequestHead(read.value.head);
        if (!request.ok) return socket.destroy();
        requests.push({ ...request.value, at: Date.now() });
        queue = queue
          .then(() => handler(request.value, socket))
          .catch(() => {
            socket.destroy();
          });
      }
    });
  });
  const port = await listen(server, sockets);
  const peer = { ...closer(server, sockets, port), requests, open: () => sockets.size };
  defer(() => peer.close());
  return peer;
}

function respond(
  socket: net.Socket,
  status: number,
  reason: string,
  headers: Array<[string, string]>,
  body: Uint8Array = new Uint8Array(),
) {
  if (socket.destroyed) return;
  socket.write(
    formatResponseHead(status, reason, [
      ['Server', 'TestPeer/0.1'],
      ['Content-Length', String(body.length)],
      ...headers,
    ]),
  );
  if (body.length > 0) socket.write(body);
}

/** The THEX body and X-Thex-URI a real uploader of `file` serves (as the servent builds them). */
function thexOf(file: Content) {
  const tree = new TigerTreeBuilder({ keepDepth: thexDepth(file.size) })
    .update(file.bytes)
    .digest();
  return {
    body: encodeThex(tree, tree.depth, 'uuid:6f1c2b6e-3a4d-4c2b-9a1e-2b3c4d5e6f70'),
    uri: `/uri-res/N2X?${sha1Urn(file.sha1)};${base32Encode(tree.root)}`,
  };
}

/**
 * A handler that serves `file` as an uploader would, with `bytesFor` giving
 * the body bytes of a range (the real ones, or lies); `gate` may hold a
 * request back forever (a stalled source).
 */
function fileHandler(
  file: Content,
  bytesFor: (start: number, end: number) => Uint8Array,
  gate: (request: HttpRequest) => boolean = () => true,
): Handler {
  const thex = thexOf(file);
  const urn = sha1Urn(file.sha1);
  return (request, socket) => {
    const target = parseTarget(request.target);
    if (target.kind === 'n2x') {
      respond(socket, 200, 'OK', [['Content-Type', 'application/dime']], thex.body);
      return;
    }
    if (target.kind !== 'n2r' || hexOf(target.sha1) !== hexOf(file.sha1)) {
      respond(socket, 404, 'Not Found', []);
      return;
    }
    if (!gate(request)) return new Promise<void>(() => {}); // stalls: nothing more on this connection
    const range = parseRange(request.headers.get('Range'), file.size);
    if (range.kind !== 'range') {
      respond(socket, 400, 'Bad Range', []);
      return;
    }
    const end = range.end + 1;
    respond(
      socket,
      206,
      'Partial Content',
      [
        ['Content-Range', `bytes ${range.start}-${range.end}/${file.size}`],
        ['X-Gnutella-Content-URN', urn],
        ['X-Thex-URI', thex.uri],
      ],
      request.method === 'HEAD' ? undefined : bytesFor(range.start, end),
    );
  };
}

/**
 * A TCP proxy to `targetPort` that records both directions (latin1) and may
 * slow the uploader's bytes to `bytesPerS`.
 */
async function tcpProxy(
  defer: ReturnType<typeof cleanups>,
  targetPort: number,
  bytesPerS?: number,
): Promise<Closer & { toServer: string[]; toClient: string[] }> {
  const sockets = new Set<net.Socket>();
  const toServer: string[] = [];
  const toClient: string[] = [];
  const server = net.createServer((client) => {
    const index = toServer.length;
    toServer.push('');
    toClient.push('');
    const upstream = net.connect({ host: LOCAL, port: targetPort });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.on('data', (chunk: Buffer) => {
      toServer[index] += chunk.toString('latin1');
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      toClient[index] += chunk.toString('latin1');
      client.write(chunk);
      if (bytesPerS) {
        upstream.pause();
        setTimeout(() => upstream.resume(), (chunk.length / bytesPerS) * 1000);
      }
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  const port = await listen(server, sockets);
  const proxy = { ...closer(server, sockets, port), toServer, toClient };
  defer(() => proxy.close());
  return proxy;
}

/** The request heads in a recorded client-to-server stream (requests carry no body). */
function requestHeads(stream: string): HttpRequest[] {
  return stream
    .split('\r\n\r\n')
    .filter((head) => head.trim() !== '')
    .map((head) => {
      const parsed = parseRequestHead(`${head}\r\n\r\n`);
      assert.ok(parsed.ok, `a recorded request: ${head}`);
      return parsed.value;
    });
}

const rangeOf = (headers: HttpHeaders): { start: number; end: number } | undefined => {
  const match = /^bytes=(\d+)-(\d+)$/.exec(headers.get('Range') ?? '');
  return match ? { start: Number(match[1]), end: Number(match[2]) + 1 } : undefined;
};

// ---- the cases ----

test('one uploader, one downloader: the file arrives whole, verified by the tree', async (t) => {
  const defer = cleanups(t);
  const file = content('random-3mib.bin', 3 * MIB + 12_345, 1);
  const up = await startUploader(defer, file);
  const down = await startDownloader(defer);
  const download = await down.servent.transfers!.download(
    { sha1: file.sha1, name: file.name, size: file.size },
    [{ host: LOCAL, port: up.port }],
  );
  const status = await completed(download, file);
  assert.ok(status.tree, 'the Tiger tree was fetched and used');
  assert.equal(status.verifiedBytes, file.size);
  assert.equal(status.sources.length, 1);
  assert.equal(status.sources[0]!.bytes, file.size);
  assert.ok(up.servent.transfers!.status().uploads.bytes >= file.size);
  await t.test('the tree served is of the §10.3 depth for the file size', () => {
    assert.equal(status.tree!.depth, thexDepth(file.size));
  });
});

test('a: four uploaders of one file, one download with four sources: each sends some of it', async (t) => {
  const defer = cleanups(t);
  const file = content('swarmed.bin', 3 * MIB, 2);
  const uploaders = await Promise.all([1, 2, 3, 4].map(() => startUploader(defer, file)));
  const down = await startDownloader(defer);
  const download = await down.servent.transfers!.download(
    { sha1: file.sha1, name: file.name, size: file.size },
    uploaders.map((u) => ({ host: LOCAL, port: u.port })),
  );
  const status = await completed(download, file);
  assert.ok(status.tree);
  assert.equal(status.sources.length, 4);
  for (const source of status.sources) {
    assert.ok(source.bytes > 0, `${source.source} sent bytes: ${JSON.stringify(status.sources)}`);
  }
  assert.equal(
    status.sources.reduce((n, s) => n + s.bytes, 0),
    file.size,
    'no byte fetched twice',
  );
});

test('b: a source that lies is banned, its bytes fetched again, and reported in X-NAlt', async (t) => {
  const defer = cleanups(t);
  const file = content('lied-about.bin', 4 * MIB, 3);
  const honest = await startUploader(defer, file);
  const recorder = await tcpProxy(defer, honest.port);
  // Right headers, real THEX, wrong bytes.
  const liar = await httpPeer(
    defer,
    fileHandler(file, (start, end) => file.bytes.slice(start, end).map((b) => b ^ 0x5a)),
  );
  const down = await startDownloader(defer);
  const download = await down.servent.transfers!.download(
    { sha1: file.sha1, name: file.name, size: file.size },
    [
      { host: LOCAL, port: liar.port },
      { host: LOCAL, port: recorder.port },
    ],
  );
  const status = await completed(download, file);
  assert.ok(status.tree);
  const liarKey = `${LOCAL}:${liar.port}`;
  const liarStatus = status.sources.find((s) => s.source === liarKey);
  assert.ok(liarStatus, 'the liar is listed');
  assert.ok(
    liar.requests.some((r) => r.headers.has('Range')),
    'the liar was asked for bytes (and lied)',
  );
  assert.equal(liarStatus.state, 'banned', JSON.stringify(status.sources));
  assert.ok(liarStatus.bytes > 0);
  const honestStatus = status.sources.find((s) => s.source !== liarKey);
  assert.notEqual(honestStatus?.state, 'banned');
  // HTTP-36: a request to the honest source after the ban names the liar in X-NAlt.
  const heads = recorder.toServer.flatMap(requestHeads);
  assert.ok(heads.length > 0);
  const nalts = heads.map((h) => h.headers.get('X-NAlt') ?? '');
  assert.ok(
    nalts.some((nalt) => nalt.split(',').some((item) => item.trim() === liarKey)),
    `X-NAlt headers seen: ${nalts.join(' | ')}`,
  );
  // It never names the liar as a good source.
  for (const head of heads) assert.ok(!(head.headers.get('X-Alt') ?? '').includes(liarKey));
  // The liar's bytes were fetched again from the honest source: more than the file came in.
  assert.ok(status.bytesReceived > file.size);
});

test('c: resume: a stopped download starts again from its state and fetches no verified range twice', async (t) => {
  const defer = cleanups(t);
  const file = content('resumed.bin', 4 * MIB, 4);
  // A source that serves the real bytes of the first half of the requests, then stalls.
  const half = 8;
  let served = 0;
  const slow = await httpPeer(
    defer,
    fileHandler(
      file,
      (start, end) => file.bytes.slice(start, end),
      (request) => {
        if (!request.headers.has('Range')) return true;
        served++;
        return served <= half;
      },
    ),
  );
  const data = join(await tempDir(defer), 'data');
  const first = await startDownloader(defer, data);
  const download1 = await first.servent.transfers!.download(
    { sha1: file.sha1, name: file.name, size: file.size },
    [{ host: LOCAL, port: slow.port }],
  );
  await until(
    'the first run verified bytes and the slow source stalled',
    () => download1.status().verifiedBytes > 0 && served > half,
    20_000,
    () => ({ served, status: download1.status() }),
  );
  await first.servent.stop();
  await slow.close();
  const stateFile = join(data, 'incomplete', `${base32Encode(file.sha1)}.json`);
  const state = JSON.parse(await readFile(stateFile, 'utf8')) as { verified: [number, number][] };
  const verified = IntervalSet.fromJSON(state.verified);
  assert.ok(verified.ok);
  assert.ok(verified.value.total > 0, 'verified ranges were saved');
  assert.ok(verified.value.total < file.size);

  const honest = await startUploader(defer, file);
  const recorder = await tcpProxy(defer, honest.port);
  const second = await startDownloader(defer, data);
  const resumed = second.servent.transfers!.downloads.get(sha1Urn(file.sha1));
  assert.ok(resumed, 'the download is resumed from its state file at start');
  assert.ok(resumed.status().verifiedBytes >= verified.value.total);
  const download2 = await second.servent.transfers!.download(
    { sha1: file.sha1, name: file.name, size: file.size },
    [{ host: LOCAL, port: recorder.port }],
  );
  assert.equal(download2, resumed);
  await completed(download2, file);
  const ranges = recorder.toServer
    .flatMap(requestHeads)
    .map((h) => rangeOf(h.headers))
    .filter((r) => r !== undefined);
  assert.ok(ranges.length > 0, 'the second run asked the honest source for ranges');
  for (const range of ranges) {
    assert.deepEqual(
      verified.value.intersect(range.start, range.end),
      [],
      `bytes ${range.start}-${range.end - 1} were verified in the first run`,
    );
  }
  const fetched = ranges.reduce((n, r) => n + r.end - r.start, 0);
  assert.ok(fetched <= file.size - verified.value.total, `fetched ${fetched} bytes again`);
});

test('c: stopping a downloader closes its connections to sources, even one that stalls', async (t) => {
  const defer = cleanups(t);
  const file = content('stalled.bin', MIB, 10);
  const stalled = await httpPeer(
    defer,
    fileHandler(
      file,
      (start, end) => file.bytes.slice(start, end),
      () => false,
    ),
  );
  const down = await startDownloader(defer);
  await down.servent.transfers!.download({ sha1: file.sha1, name: file.name, size: file.size }, [
    { host: LOCAL, port: stalled.port },
  ]);
  await until('the source was asked for bytes', () => stalled.requests.length > 0);
  assert.equal(stalled.open(), 1);
  await down.servent.stop();
  await until('the connection is closed', () => stalled.open() === 0, 3_000);
});

test('d: one upload slot: the second downloader is queued (503, X-Queue) and finishes after the first', async (t) => {
  const defer = cleanups(t);
  const file = content('queued.bin', 3 * MIB, 5);
  const up = await startUploader(defer, file, {
    uploadSlots: 1,
    uploadPollMinS: 1,
    uploadPollMaxS: 5,
  });
  // The first downloader is slowed (2 MiB/s), so it holds the slot while the second asks.
  const slowLink = await tcpProxy(defer, up.port, 2 * MIB);
  const recorder = await tcpProxy(defer, up.port);
  const a = await startDownloader(defer);
  const b = await startDownloader(defer);
  const input = { sha1: file.sha1, name: file.name, size: file.size };
  const downloadA = await a.servent.transfers!.download(input, [
    { host: LOCAL, port: slowLink.port },
  ]);
  await until('the first downloader is receiving', () => downloadA.status().bytesReceived > 0);
  const downloadB = await b.servent.transfers!.download(input, [
    { host: LOCAL, port: recorder.port },
  ]);
  await until(
    'the second downloader is queued',
    () => downloadB.status().sources[0]?.state === 'queued',
    20_000,
    () => downloadB.status(),
  );
  assert.notEqual(downloadA.status().state, 'complete', 'the first still holds the slot');
  const statusA = await completed(downloadA, file);
  const statusB = await completed(downloadB, file);
  assert.ok(statusB.completedAt! >= statusA.completedAt!, 'the queued one finishes second');
  const answers = recorder.toClient.join('');
  assert.match(answers, /HTTP\/1\.1 503 [^\r]*\r\n/);
  assert.match(answers, /\r\nX-Queue: position=1, [^\r]*pollMin=1, pollMax=5/);
  assert.equal(up.servent.transfers!.status().uploads.active, 0, 'both slots released');
});

// ---- hostile requests on a raw socket ----

interface RawAnswer {
  response: HttpResponse;
  head: string;
  body: Buffer;
}

/** Sends `requests` one after another on one connection and reads each answer exactly. */
async function rawExchange(port: number, requests: string[]): Promise<RawAnswer[]> {
  const socket = net.connect({ host: LOCAL, port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let buffered = Buffer.alloc(0);
  let ended = false;
  let wake: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    wake?.();
  });
  socket.on('close', () => {
    ended = true;
    wake?.();
  });
  const more = () =>
    new Promise<void>((resolve, reject) => {
      if (ended) reject(new Error(`connection closed; ${buffered.length} bytes unread`));
      const timer = setTimeout(() => reject(new Error('no answer within 5 s')), 5_000);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const answers: RawAnswer[] = [];
  try {
    for (const request of requests) {
      socket.write(request);
      let end = buffered.indexOf('\r\n\r\n');
      while (end < 0) {
        await more();
        end = buffered.indexOf('\r\n\r\n');
      }
      const head = buffered.subarray(0, end + 4).toString('latin1');
      const response = parseResponseHead(head);
      assert.ok(response.ok, head);
      const length = response.value.headers.get('Content-Length');
      assert.ok(length !== undefined && /^\d+$/.test(length), `Content-Length in ${head}`);
      const bodyLength = request.startsWith('HEAD ') ? 0 : Number(length);
      while (buffered.length < end + 4 + bodyLength) await more();
      answers.push({
        response: response.value,
        head,
        body: buffered.subarray(end + 4, end + 4 + bodyLength),
      });
      buffered = buffered.subarray(end + 4 + bodyLength);
    }
    // Anything after the last answer would be bytes nobody asked for.
    await sleep(100);
    assert.equal(buffered.length, 0, 'no bytes beyond the answers');
  } finally {
    socket.destroy();
  }
  return answers;
}

const get = (target: string, ...headers: string[]) =>
  [`GET ${target} HTTP/1.1`, `Host: ${LOCAL}`, 'User-Agent: Probe/0.1', ...headers, '', ''].join(
    '\r\n',
  );

test('e: hostile requests get exact status codes, a Content-Length each, and no file bytes', async (t) => {
  const defer = cleanups(t);
  const file = content('secret.bin', 256 * 1024 + 7, 6);
  const up = await startUploader(defer, file);
  const urn = sha1Urn(file.sha1);
  const unknown = sha1Urn(sha1Of(new TextEncoder().encode('not shared')));
  const answers = await rawExchange(up.port, [
    get('/get/1/..%2F..%2Fetc%2Fpasswd'),
    get(`/get/${up.index}/..%2F..%2Fetc%2Fpasswd`),
    get('/../../etc/passwd'),
    get('/uri-res/N2R?urn:sha1:AAAA'),
    get(`/uri-res/N2R?${unknown}`),
    get(`/uri-res/N2R?${urn}`, 'Range: bytes=999999999-'),
    get(`/uri-res/N2R?${urn}`, 'Range: 2-5'),
    get(`/uri-res/N2R?${urn}`, `X-Gnutella-Content-URN: ${unknown}`),
    `POST /uri-res/N2R?${urn} HTTP/1.1\r\nHost: ${LOCAL}\r\nContent-Length: 0\r\n\r\n`,
    get(`/uri-res/N2R?${urn}`, 'Range: bytes=0-9', 'Connection: close'),
  ]);
  assert.deepEqual(
    answers.map((a) => a.response.status),
    [404, 404, 404, 400, 404, 416, 400, 404, 501, 206],
  );
  const unsatisfiable = answers[5]!.response.headers;
  assert.equal(unsatisfiable.get('Content-Range'), `bytes */${file.size}`);
  const secret = Buffer.from(file.bytes.subarray(0, 8));
  for (const [i, { response, body }] of answers.slice(0, -1).entries()) {
    assert.ok(response.headers.has('Server'), `answer ${i} has Server (HTTP-11)`);
    assert.ok(body.length < 200, `answer ${i}: a short text at most`);
    assert.equal(body.indexOf(secret), -1, `answer ${i} holds no file bytes`);
  }
  // The last, legitimate request shows what file bytes look like, and the connection lived on.
  assert.deepEqual(new Uint8Array(answers.at(-1)!.body), file.bytes.subarray(0, 10));
});

test('e: HEAD is the GET head without a body; the next answer follows at once (HTTP-5, HTTP-11)', async (t) => {
  const defer = cleanups(t);
  const file = content('head.bin', 100_000, 7);
  const up = await startUploader(defer, file);
  const urn = sha1Urn(file.sha1);
  const answers = await rawExchange(up.port, [
    `HEAD /uri-res/N2R?${urn} HTTP/1.1\r\nHost: ${LOCAL}\r\n\r\n`,
    get(`/uri-res/N2R?${urn}`, 'Range: bytes=-5', 'Connection: close'),
  ]);
  assert.equal(answers[0]!.response.status, 200);
  assert.equal(answers[0]!.response.headers.get('Content-Length'), String(file.size));
  assert.equal(answers[0]!.body.length, 0);
  assert.equal(answers[1]!.response.status, 206);
  assert.equal(
    answers[1]!.response.headers.get('Content-Range'),
    `bytes ${file.size - 5}-${file.size - 1}/${file.size}`,
  );
  assert.deepEqual(new Uint8Array(answers[1]!.body), file.bytes.subarray(file.size - 5));
});

test('stop() ends an uploader that still has an idle upload connection', async (t) => {
  const defer = cleanups(t);
  const file = content('idle.bin', 10_000, 8);
  const root = await tempDir(defer);
  const share = join(root, 'share');
  await mkdir(share);
  await writeFile(join(share, file.name), file.bytes);
  const servent = new Servent(
    parseConfig({
      listen: `${LOCAL}:0`,
      logLevel: 'silent',
      watchShare: false,
      share,
      data: join(root, 'data'),
    }),
    log,
  );
  const { port } = await servent.start();
  await until('hashed', () => servent.shares().length > 0);
  const socket = net.connect({ host: LOCAL, port });
  defer(() => socket.destroy());
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  socket.write(`HEAD /uri-res/N2R?${sha1Urn(file.sha1)} HTTP/1.1\r\nHost: ${LOCAL}\r\n\r\n`);
  await new Promise<void>((resolve) => socket.once('data', () => resolve()));
  const stopped = servent.stop().then(() => 'stopped' as const);
  defer(() => {
    socket.destroy();
    return stopped;
  });
  const outcome = await Promise.race([stopped, sleep(3_000).then(() => 'still running' as const)]);
  assert.equal(outcome, 'stopped');
});

test('f: push: a firewalled source is reached through its push proxy, connects back with GIV, and serves', async (t) => {
  const defer = cleanups(t);
  const file = content('pushed.bin', MIB + 99, 9);
  const up = await startUploader(defer, file);
  const down = await startDownloader(defer);
  const serventId = guidFromHex(up.servent.status().serventId);
  assert.ok(serventId.ok);
  // The push proxy: answers 202 and hands the Push to the uploader, as an ultrapeer would (push.md §6.4).
  const pushes: Array<{ target: string; node: string | undefined }> = [];
  const proxy = await httpPeer(defer, (request, socket) => {
    const target = parseTarget(request.target);
    const node = request.headers.get('X-Node');
    pushes.push({ target: request.target, node });
    const [host, port] = (node ?? '').split(':');
    if (target.kind !== 'push-proxy' || !host || !port) {
      respond(socket, 400, 'Bad Request', []);
      return;
    }
    respond(socket, 202, 'Message sent', []);
    up.servent.transfers!.answerPush({
      serventId: target.serventId,
      fileIndex: target.fileIndex,
      address: host,
      port: Number(port),
      ggep: [],
    });
  });
  const download = await down.servent.transfers!.download(
    { sha1: file.sha1, name: file.name, size: file.size },
    [
      {
        serventId: serventId.value,
        firewalled: true,
        fileIndex: up.index,
        pushProxies: [{ host: LOCAL, port: proxy.port }],
      },
    ],
  );
  const status = await completed(download, file);
  assert.equal(status.sources.length, 1);
  assert.equal(status.sources[0]!.firewalled, true);
  assert.equal(status.sources[0]!.bytes, file.size);
  assert.ok(pushes.length >= 1);
  const [push] = pushes;
  assert.equal(push!.node, `${LOCAL}:${down.port}`, 'X-Node names the downloader');
  assert.match(push!.target, /^\/gnutella\/push-proxy\?ServerId=[A-Z2-7]{26}(&file=\d+)?$/);
  assert.ok(push!.target.includes(base32Encode(serventId.value)));
});
