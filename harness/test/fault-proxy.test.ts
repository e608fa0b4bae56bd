/** The fault proxy between real sockets on loopback. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as net from 'node:net';
import { test } from 'node:test';
import { FaultProxy, type FaultProxyOptions } from '../faults/fault-proxy.js';

const HOST = '127.0.0.1';

interface Upstream {
  port: number;
  /** Sockets the upstream accepted, in order. */
  sockets: net.Socket[];
  /** Everything each accepted socket received, by index. */
  received: Buffer[];
  accepted(n: number): Promise<net.Socket>;
  close(): Promise<void>;
}

/** An upstream that keeps what it receives and runs `onSocket` for each connection. */
async function upstream(onSocket: (s: net.Socket) => void = () => {}): Promise<Upstream> {
  const sockets: net.Socket[] = [];
  const received: Buffer[] = [];
  const arrivals = new EventTarget();
  const server = net.createServer((socket) => {
    const i = sockets.push(socket) - 1;
    received[i] = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      received[i] = Buffer.concat([received[i]!, chunk]);
    });
    socket.on('error', () => {});
    onSocket(socket);
    arrivals.dispatchEvent(new Event('socket'));
  });
  server.listen(0, HOST);
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    sockets,
    received,
    async accepted(n) {
      while (sockets.length <= n) await once(arrivals, 'socket');
      return sockets[n]!;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function proxyTo(
  up: Upstream,
  rest: Omit<FaultProxyOptions, 'listen' | 'upstream'> = {},
): Promise<FaultProxy> {
  return FaultProxy.start({
    listen: { host: HOST },
    upstream: { host: HOST, port: up.port },
    ...rest,
  });
}

async function connect(proxy: FaultProxy): Promise<net.Socket> {
  const socket = net.connect(proxy.endpoint);
  await once(socket, 'connect');
  return socket;
}

/** Collects what a client socket receives and how it ended. */
function collect(socket: net.Socket) {
  const state = { bytes: Buffer.alloc(0), error: undefined as string | undefined, closed: false };
  socket.on('data', (chunk: Buffer) => {
    state.bytes = Buffer.concat([state.bytes, chunk]);
  });
  socket.on('error', (err: NodeJS.ErrnoException) => {
    state.error = err.code;
  });
  // Not events.once: it rejects on 'error', and a reset is what some tests wait for.
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      state.closed = true;
      resolve();
    }),
  );
  return { state, closed };
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} not seen after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const pattern = (n: number, from = 0) =>
  Buffer.from(Array.from({ length: n }, (_, i) => (from + i) & 0xff));

/** Round trip of one byte through an echoing upstream. */
async function echoTime(client: net.Socket): Promise<number> {
  const start = Date.now();
  client.write('x');
  await once(client, 'data');
  return Date.now() - start;
}

const echo = (s: net.Socket) => s.on('data', (chunk: Buffer) => s.write(chunk));

test('latency delays each direction by at least the given time', async () => {
  const up = await upstream(echo);
  const proxy = await proxyTo(up, { faults: { latencyMs: 150 } });
  try {
    const client = await connect(proxy);
    const rtt = await echoTime(client);
    assert.ok(rtt >= 2 * 150, `round trip ${rtt} ms through 150 ms each way`);
    const record = proxy.connections[0]!;
    assert.deepEqual([record.up.forwarded, record.down.forwarded], [1, 1]);
    client.destroy();
  } finally {
    await proxy.stop();
    await up.close();
  }
});

test('a reset after N bytes from upstream lets exactly N through, then the client sees ECONNRESET', async () => {
  const up = await upstream((s) => s.write(pattern(5_000)));
  const proxy = await proxyTo(up, {
    faults: { resetAfterBytes: { direction: 'down', bytes: 1_234 } },
  });
  try {
    const client = await connect(proxy);
    const { state, closed } = collect(client);
    await closed;
    assert.equal(state.error, 'ECONNRESET');
    assert.equal(state.bytes.length, 1_234);
    assert.deepEqual(state.bytes, pattern(1_234));
    const record = await proxy.waitFor(
      () => (proxy.connections[0]?.closedAt ? proxy.connections[0] : undefined),
      2_000,
      'the connection closed',
    );
    assert.equal(record.down.forwarded, 1_234);
    const fired = record.fired.filter((f) => f.fault === 'reset');
    assert.equal(fired.length, 1);
    assert.equal(fired[0]!.offset, 1_234);
    assert.equal(fired[0]!.direction, 'down');
    assert.equal(record.sides.client.closed?.how, 'reset');
    assert.equal(record.sides.client.closed?.by, 'proxy');
    assert.equal(record.sides.upstream.closed?.how, 'reset');
  } finally {
    await proxy.stop();
    await up.close();
  }
});

test('a reset after N bytes from the client lets exactly N reach the upstream', async () => {
  const up = await upstream();
  const proxy = await proxyTo(up, { faults: { resetAfterBytes: { direction: 'up', bytes: 100 } } });
  try {
    const client = await connect(proxy);
    const { state, closed } = collect(client);
    client.write(pattern(40));
    await until(() => up.received[0]?.length === 40, 2_000, 'the first 40 bytes upstream');
    client.write(pattern(500, 40));
    await closed;
    assert.equal(state.error, 'ECONNRESET');
    const server = up.sockets[0]!;
    if (!server.destroyed) await new Promise((resolve) => server.once('close', resolve));
    assert.deepEqual(up.received[0], pattern(100));
  } finally {
    await proxy.stop();
    await up.close();
  }
});

test('corruption flips exactly one byte, at the offset, across chunk boundaries', async () => {
  const up = await upstream();
  const proxy = await proxyTo(up, {
    faults: { corrupt: { direction: 'up', atByte: 321, xor: 0x5a } },
  });
  try {
    const client = await connect(proxy);
    const sent = pattern(1_000);
    for (let at = 0; at < sent.length; at += 100) {
      client.write(sent.subarray(at, at + 100));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await until(() => up.received[0]?.length === 1_000, 2_000, '1000 bytes upstream');
    const got = up.received[0]!;
    const differ = [...got.keys()].filter((i) => got[i] !== sent[i]);
    assert.deepEqual(differ, [321]);
    assert.equal(got[321], sent[321]! ^ 0x5a);
    const fired = proxy.connections[0]!.fired;
    assert.equal(fired.length, 1);
    assert.equal(fired[0]!.fault, 'corrupt');
    assert.equal(fired[0]!.offset, 321);
    client.destroy();
  } finally {
    await proxy.stop();
    await up.close();
  }
});

test('throttling slows a 1 MB transfer to about the rate', async () => {
  const rate = 500_000;
  const size = 1_000_000;
  const up = await upstream();
  const proxy = await proxyTo(up, { faults: { throttleBytesPerSec: rate } });
  try {
    const client = await connect(proxy);
    const data = pattern(size);
    const start = Date.now();
    client.write(data);
    await until(() => up.received[0]?.length === size, 10_000, '1 MB upstream');
    const elapsed = Date.now() - start;
    // The first 50 ms slice goes at once; allow for that and for timer rounding.
    assert.ok(elapsed >= 0.8 * (size / rate) * 1000, `1 MB at ${rate} B/s took ${elapsed} ms`);
    assert.deepEqual(up.received[0], data);
    client.destroy();
  } finally {
    await proxy.stop();
    await up.close();
  }
});

test('stop() closes every connection and the listener', async () => {
  const up = await upstream();
  const proxy = await proxyTo(up);
  const a = collect(await connect(proxy));
  const b = collect(await connect(proxy));
  await up.accepted(1);
  const { endpoint } = proxy;
  await proxy.stop();
  await Promise.all([a.closed, b.closed]);
  for (const s of up.sockets)
    if (!s.destroyed) await new Promise((resolve) => s.once('close', resolve));
  for (const record of proxy.connections) {
    assert.ok(record.closedAt, `connection ${record.id} closed`);
    assert.equal(record.sides.client.closed?.by, 'proxy');
  }
  const refused = net.connect(endpoint);
  const [err] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
  assert.equal(err.code, 'ECONNREFUSED');
  await up.close();
});

test('setFaults applies to data read after it, on an open connection', async () => {
  const up = await upstream(echo);
  const proxy = await proxyTo(up);
  try {
    const client = await connect(proxy);
    await echoTime(client);
    proxy.setFaults({ latencyMs: 200 });
    const rtt = await echoTime(client);
    assert.ok(rtt >= 2 * 200, `round trip ${rtt} ms after adding 200 ms each way`);

    // Offsets count from the connection's first byte: 2 bytes have gone up so far.
    proxy.setFaults({ corrupt: { direction: 'up', atByte: 5 } });
    client.write(pattern(10));
    await until(() => up.received[0]?.length === 12, 2_000, '12 bytes upstream');
    const got = up.received[0]!.subarray(2);
    assert.equal(got[3], pattern(10)[3]! ^ 0xff);
    assert.equal(Buffer.compare(got.subarray(0, 3), pattern(3)), 0);
    client.destroy();
  } finally {
    await proxy.stop();
    await up.close();
  }
});

test('a client that floods while its bytes are delayed is dropped, with the reason recorded', async () => {
  const up = await upstream();
  const proxy = await proxyTo(up, { faults: { latencyMs: 2_000 }, maxBufferedBytes: 64 * 1024 });
  try {
    const client = await connect(proxy);
    const { state, closed } = collect(client);
    client.write(pattern(1_000_000));
    await closed;
    assert.ok(state.error, 'the client saw its connection fail');
    const record = proxy.connections[0]!;
    assert.match(record.dropReason ?? '', /overflow/);
    assert.equal(record.fired.at(-1)?.fault, 'overflow');
    assert.equal(record.up.forwarded, 0);
  } finally {
    await proxy.stop();
    await up.close();
  }
});

test('a FIN passes on as a FIN each way, and the record says who closed first', async () => {
  const up = await upstream((s) => s.on('end', () => s.end('bye')));
  const proxy = await proxyTo(up);
  try {
    const client = await connect(proxy);
    const { state, closed } = collect(client);
    client.end('hello');
    await closed;
    assert.equal(state.bytes.toString(), 'bye');
    assert.equal(state.error, undefined);
    const record = await proxy.waitFor(
      () => (proxy.connections[0]?.closedAt ? proxy.connections[0] : undefined),
      2_000,
      'the connection closed',
    );
    assert.deepEqual(up.received[0], Buffer.from('hello'));
    assert.equal(record.sides.client.closed?.how, 'fin');
    assert.equal(record.sides.client.closed?.by, 'peer');
    assert.equal(record.sides.upstream.closed?.by, 'proxy');
  } finally {
    await proxy.stop();
    await up.close();
  }
});
