/**
 * The UHC fixture and the UDP readiness wait over real UDP on loopback.
 */
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import { test } from 'node:test';
import {
  decodeUdpMessage,
  encodeUhcPing,
  parseUhcPong,
} from '../../servent/src/core/bootstrap/uhc.js';
import { encodeMessage } from '../../servent/src/core/wire/index.js';
import { UdpHostCacheFixture } from '../peers/udp-host-cache.js';
import { waitForUdpPong } from '../routing/udp-readiness.js';

const HOSTS = [
  { host: '198.51.100.7', port: 6346 },
  { host: '203.0.113.9', port: 24000 },
];

async function clientSocket(): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4');
  socket.bind({ address: '127.0.0.1', port: 0 });
  await once(socket, 'listening');
  return socket;
}

test('BOOT-10 the fixture answers an SCP ping with its hosts, the MUID echoed', async () => {
  await using uhc = await UdpHostCacheFixture.start({
    host: '127.0.0.1',
    hosts: HOSTS,
    udphc: true,
    compress: true,
  });
  const socket = await clientSocket();
  try {
    const guid = new Uint8Array(16).fill(0x5a);
    const reply = once(socket, 'message');
    socket.send(
      encodeUhcPing(guid, { ultrapeer: true, askAddress: true }),
      uhc.address.port,
      '127.0.0.1',
    );
    const [raw] = (await reply) as [Buffer, dgram.RemoteInfo];
    const message = decodeUdpMessage(new Uint8Array(raw));
    assert.ok(message.ok);
    assert.deepEqual(message.value.guid, guid);
    assert.equal(message.value.ttl, 1);
    assert.equal(message.value.hops, 0);
    const pong = parseUhcPong(message.value, { host: '127.0.0.1', port: uhc.address.port });
    assert.ok(pong.ok);
    assert.deepEqual(pong.value.hosts, HOSTS);
    assert.deepEqual(pong.value.caches, [uhc.address]);
    assert.deepEqual(pong.value.self, { host: '127.0.0.1', port: socket.address().port });

    const [ping] = uhc.pings;
    assert.ok(ping);
    assert.equal(ping.answered, true);
    assert.equal(ping.error, undefined);
    assert.deepEqual(ping.scp, { ultrapeer: true, tls: false });
    assert.deepEqual(ping.guid, guid);
    assert.equal(ping.ttl, 1);
    assert.equal(ping.hops, 0);
    assert.deepEqual(ping.from, { host: '127.0.0.1', port: socket.address().port });
    assert.equal(ping.raw.length, 34);
  } finally {
    socket.close();
  }
});

test('the fixture records malformed and non-UHC datagrams with the reason, unanswered', async () => {
  await using uhc = await UdpHostCacheFixture.start({ host: '127.0.0.1', hosts: HOSTS });
  const socket = await clientSocket();
  try {
    const port = uhc.address.port;
    const guid = new Uint8Array(16).fill(1);
    const ttl2 = encodeUhcPing(guid, { ultrapeer: false });
    ttl2[17] = 2;
    const datagrams = [
      Uint8Array.of(1, 2, 3, 4, 5),
      ttl2,
      encodeMessage({ guid, type: 0x00, ttl: 1, hops: 0 }, new Uint8Array(0)),
      encodeMessage({ guid, type: 0x01, ttl: 1, hops: 0 }, new Uint8Array(14)),
    ];
    for (const datagram of datagrams) socket.send(datagram, port, '127.0.0.1');
    await uhc.waitForPing(2_000, () => uhc.pings.length === datagrams.length);
    const reasons = uhc.pings.map((p) => p.error ?? '');
    assert.match(reasons[0]!, /udp-truncated/);
    assert.match(reasons[1]!, /TTL 2, hops 0/);
    assert.match(reasons[2]!, /no SCP/);
    assert.match(reasons[3]!, /not a ping/);
    assert.ok(uhc.pings.every((p) => !p.answered));
  } finally {
    socket.close();
  }
});

test('waitForUdpPong gets the fixture’s pong and measures the round trip', async () => {
  await using uhc = await UdpHostCacheFixture.start({ host: '127.0.0.1', hosts: HOSTS });
  const got = await waitForUdpPong(uhc.address, {
    timeoutMs: 3_000,
    intervalMs: 100,
    ultrapeer: true,
    bindHost: '127.0.0.1',
  });
  assert.ok(got.rttMs >= 0 && got.rttMs < 3_000);
  assert.deepEqual(got.pong.hosts, HOSTS);
  assert.deepEqual(got.from, uhc.address);
  assert.ok(got.attempts >= 1);
  assert.deepEqual(uhc.pings[0]?.scp, { ultrapeer: true, tls: false });
});

test('waitForUdpPong names the target and the attempts when nothing answers', async () => {
  // A port that was just free: nothing listens there.
  const probe = await clientSocket();
  const port = probe.address().port;
  probe.close();
  const started = Date.now();
  await assert.rejects(
    waitForUdpPong({ host: '127.0.0.1', port }, { timeoutMs: 600, intervalMs: 100 }),
    (err: Error) => {
      assert.equal(err.name, 'TimeoutError');
      assert.match(
        err.message,
        new RegExp(`^no UDP pong from 127\\.0\\.0\\.1:${port} after \\d+ attempts in 600 ms; `),
      );
      assert.match(err.message, /BOOT-10/);
      return true;
    },
  );
  assert.ok(Date.now() - started < 2_000);
});

test('waitForUdpPong stops when its signal aborts', async () => {
  const probe = await clientSocket();
  const port = probe.address().port;
  probe.close();
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error('scenario cancelled')), 100);
  await assert.rejects(
    waitForUdpPong({ host: '127.0.0.1', port }, { timeoutMs: 5_000, signal: controller.signal }),
    /scenario cancelled/,
  );
});
