/** The node shell on real loopback sockets: two servents, a deflated link, the control API. */
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseConfig } from '../../src/node/config.js';
import { ControlApi } from '../../src/node/control-api.js';
import { createLogger } from '../../src/node/log.js';
import { Servent, type ServentStatus } from '../../src/node/servent.js';

const log = createLogger('silent');
let up: Servent;
let leaf: Servent;
let control: ControlApi;
let controlUrl: string;

async function until<T>(what: string, get: () => T | undefined, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = get();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} not so after ${timeoutMs} ms`);
    await sleep(20);
  }
}

const established = (s: ServentStatus) => s.connections.find((c) => c.state === 'established');

before(async () => {
  up = new Servent(
    parseConfig({ listen: '127.0.0.1:0', mode: 'ultrapeer', logLevel: 'silent' }),
    log,
  );
  const upAddress = await up.start();
  control = new ControlApi(up, log);
  const c = await control.start({ host: '127.0.0.1', port: 0 });
  controlUrl = `http://127.0.0.1:${c.port}`;
  leaf = new Servent(
    parseConfig({
      listen: '127.0.0.1:0',
      mode: 'leaf',
      peers: [`127.0.0.1:${upAddress.port}`],
      logLevel: 'silent',
    }),
    log,
  );
  await leaf.start();
});

after(async () => {
  await Promise.all([leaf.stop(), up.stop(), control.stop()]);
});

test('a leaf dials its ultrapeer; both sides report the other, compressed both ways', async () => {
  const upConn = await until('ultrapeer sees the leaf', () => established(up.status()));
  const leafConn = await until('leaf sees the ultrapeer', () => established(leaf.status()));
  assert.equal(upConn.direction, 'inbound');
  assert.equal(upConn.peerMode, 'leaf');
  assert.equal(upConn.peerHeaders['X-Ultrapeer'], 'False');
  assert.equal(leafConn.peerMode, 'ultrapeer');
  assert.equal(leafConn.peerHeaders['X-Ultrapeer'], 'True');
  assert.deepEqual(upConn.compression, { send: true, receive: true });
  assert.deepEqual(leafConn.compression, { send: true, receive: true });
  assert.equal(up.status().slots.freeLeafSlots, 29);
});

test('the control API reports status and refuses unknown routes and bad bodies', async () => {
  const status = (await (await fetch(`${controlUrl}/status`)).json()) as ServentStatus;
  assert.equal(status.mode, 'ultrapeer');
  assert.equal(status.connections.length, 1);
  const missing = await fetch(`${controlUrl}/nowhere`);
  assert.equal(missing.status, 404);
  const bad = await fetch(`${controlUrl}/disconnect`, { method: 'POST', body: 'not json' });
  assert.equal(bad.status, 400);
  const unknown = await fetch(`${controlUrl}/disconnect`, {
    method: 'POST',
    body: JSON.stringify({ id: 999 }),
  });
  assert.equal(unknown.status, 404);
});

test('disconnect through the control API sends Bye; the leaf closes on it', async () => {
  const conn = established(up.status());
  assert.ok(conn);
  const res = await fetch(`${controlUrl}/disconnect`, {
    method: 'POST',
    body: JSON.stringify({ id: conn.id }),
  });
  assert.equal(res.status, 200);
  await until('the ultrapeer drops the link', () =>
    up.status().connections.length === 0 ? true : undefined,
  );
  await until('the leaf drops the link', () =>
    leaf.status().connections.every((c) => c.id !== 1 || c.state === 'closed') ? true : undefined,
  );
});

test('automatic mode: a leaf that has been reached and is up long enough becomes an ultrapeer', async () => {
  const auto = new Servent(
    parseConfig({
      listen: '127.0.0.1:0',
      mode: 'auto',
      promoteAfterMs: 300,
      switchRestMs: 0,
      logLevel: 'silent',
    }),
    log,
  );
  const { port } = await auto.start();
  try {
    assert.equal(auto.status().mode, 'leaf');
    assert.equal(auto.status().automatic, true);
    // Any incoming TCP connection shows we are reachable (not firewalled).
    await new Promise<void>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve();
      });
    });
    await until('promotion', () => (auto.status().mode === 'ultrapeer' ? true : undefined), 3_000);
  } finally {
    await auto.stop();
  }
});
