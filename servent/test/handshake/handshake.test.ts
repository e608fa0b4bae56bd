import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { UsageError } from '../../src/core/errors.js';
import {
  decideIncoming,
  decideOutgoing,
  Handshake,
  type HandshakeEvent,
  type HandshakeOptions,
  type HeaderBlock,
  type LocalProfile,
  type Reply,
  requestFields,
  type SlotState,
} from '../../src/core/handshake/index.js';
import { bareLf, bytesOf, concat, text } from './support.js';
import {
  GTK_DEFLATE_CONFIRM,
  GTK_DEFLATE_REQUEST,
  GTK_DEFLATE_RESPONSE,
  GTK_LEAF_CONFIRM,
  GTK_LEAF_REQUEST,
  GTK_REFUSAL_204,
  GTK_REFUSAL_403,
  GTK_UP_RESPONSE,
  SPEC_BLOCK_1,
  SPEC_BLOCK_3,
  SPEC_DEFLATED_PING,
  SPEC_FOLDED_503,
} from './vectors.js';

const T0 = 1_000_000;
const OK: Reply = { code: 200, reason: 'OK', fields: [] };
const DEFLATE = [['Content-Encoding', 'deflate']] as const;

const responder = (options: Partial<HandshakeOptions> = {}) =>
  new Handshake({ role: 'responder', now: T0, respond: () => OK, ...options });
const initiator = (options: Partial<HandshakeOptions> = {}) =>
  new Handshake({ role: 'initiator', now: T0, request: [['User-Agent', 'Test/1']], ...options });

/** Everything the handshake wants written, concatenated. */
function drain(handshake: Handshake): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let out = handshake.pollOutput(); out; out = handshake.pollOutput()) parts.push(out);
  return concat(...parts);
}

/** The one event, checking that no second one follows. */
function onlyEvent(handshake: Handshake): HandshakeEvent | undefined {
  const event = handshake.pollEvent();
  assert.equal(handshake.pollEvent(), undefined);
  return event;
}

function expectEvent<T extends HandshakeEvent['type']>(
  handshake: Handshake,
  type: T,
): Extract<HandshakeEvent, { type: T }> {
  const event = onlyEvent(handshake);
  assert.equal(event?.type, type, JSON.stringify(event));
  return event as Extract<HandshakeEvent, { type: T }>;
}

/**
 * Connects two handshakes in memory, delivering `chunkSize` bytes at a time
 * until both are quiet. Bytes reaching a completed side are its message stream.
 */
function link(a: Handshake, b: Handshake, now: number, chunkSize = Number.POSITIVE_INFINITY) {
  const stream = new Map<Handshake, Uint8Array[]>([
    [a, []],
    [b, []],
  ]);
  let moved = true;
  while (moved) {
    moved = false;
    for (const [from, to] of [
      [a, b],
      [b, a],
    ] as const) {
      const bytes = drain(from);
      if (bytes.length === 0) continue;
      moved = true;
      for (let i = 0; i < bytes.length; i += chunkSize) {
        const chunk = bytes.subarray(i, Math.min(bytes.length, i + chunkSize));
        if (to.state === 'completed') stream.get(to)!.push(chunk);
        else to.handleData(chunk, now);
      }
    }
  }
  return { streamTo: (h: Handshake) => concat(...stream.get(h)!) };
}

test('initiator writes block (1) at once and nothing more until block (2) (HS-1)', () => {
  const hs = initiator({
    request: [
      ['user-agent', 'Test/1'],
      ['X-Ultrapeer', 'False'],
    ],
  });
  assert.equal(hs.state, 'awaiting-response');
  assert.equal(
    text(drain(hs)),
    'GNUTELLA CONNECT/0.6\r\nUser-Agent: Test/1\r\nX-Ultrapeer: False\r\n\r\n',
  );
  assert.equal(hs.pollOutput(), undefined);
  hs.handleData(GTK_UP_RESPONSE.subarray(0, 200), T0 + 10);
  assert.equal(hs.pollOutput(), undefined);
  assert.equal(hs.pollEvent(), undefined);
});

test('an initiator never announces Content-Encoding in block (1) (HS-22)', () => {
  const hs = initiator({ request: [['Accept-Encoding', 'deflate'], ...DEFLATE] });
  assert.equal(text(drain(hs)), 'GNUTELLA CONNECT/0.6\r\nAccept-Encoding: deflate\r\n\r\n');
});

test('responder writes nothing before block (1) is complete (HS-2)', () => {
  let calls = 0;
  const hs = responder({
    respond: () => {
      calls++;
      return OK;
    },
  });
  hs.handleData(SPEC_BLOCK_1.subarray(0, SPEC_BLOCK_1.length - 1), T0 + 1);
  assert.equal(hs.pollOutput(), undefined);
  assert.equal(calls, 0);
  hs.handleData(SPEC_BLOCK_1.subarray(SPEC_BLOCK_1.length - 1), T0 + 2);
  assert.equal(calls, 1);
  assert.equal(text(drain(hs)), 'GNUTELLA/0.6 200 OK\r\n\r\n');
  assert.equal(hs.state, 'awaiting-confirmation');
});

test('responder: spec block (1), then block (3) and a deflated ping in one segment (HS-6, §10)', () => {
  let seen: HeaderBlock | undefined;
  const hs = responder({
    respond: (request) => {
      seen = request;
      return { code: 200, reason: 'OK', fields: [['User-Agent', 'Us/1'], ...DEFLATE] };
    },
  });
  hs.handleData(SPEC_BLOCK_1, T0 + 1);
  assert.equal(seen?.headers.get('User-Agent'), 'ExampleServent/0.1');
  assert.deepEqual(seen?.raw, SPEC_BLOCK_1);
  assert.equal(
    text(drain(hs)),
    'GNUTELLA/0.6 200 OK\r\nUser-Agent: Us/1\r\nContent-Encoding: deflate\r\n\r\n',
  );
  hs.handleData(concat(SPEC_BLOCK_3, SPEC_DEFLATED_PING), T0 + 2);
  const done = expectEvent(hs, 'completed');
  assert.equal(hs.state, 'completed');
  assert.deepEqual(done.rest, SPEC_DEFLATED_PING);
  assert.equal(done.compressSend, true);
  assert.equal(done.compressReceive, true);
  assert.deepEqual(done.request.raw, SPEC_BLOCK_1);
  assert.deepEqual(done.confirmation.raw, SPEC_BLOCK_3);
  assert.equal(done.response.firstLine, 'GNUTELLA/0.6 200 OK');
  assert.equal(done.peer.get('X-Locale-Pref'), 'en');
  assert.equal(done.peer.get('Content-Encoding'), 'deflate', 'block (3) merged in');
  assert.equal(done.ours.get('User-Agent'), 'Us/1');
  assert.equal(hs.nextTimeout(), undefined);
  assert.equal(hs.pollOutput(), undefined);
});

test('responder: the recorded gtk-gnutella leaf, byte at a time', () => {
  const hs = responder({ respond: () => ({ code: 200, reason: 'OK', fields: [...DEFLATE] }) });
  const whole = concat(GTK_LEAF_REQUEST, GTK_LEAF_CONFIRM);
  for (let i = 0; i < whole.length; i++) {
    hs.handleData(whole.subarray(i, i + 1), T0 + i);
    if (i === GTK_LEAF_REQUEST.length - 1) {
      // The leaf did not offer deflate, so the callback's Content-Encoding is dropped (HS-22).
      assert.equal(text(drain(hs)), 'GNUTELLA/0.6 200 OK\r\n\r\n');
    } else assert.equal(hs.pollOutput(), undefined);
  }
  const done = expectEvent(hs, 'completed');
  assert.equal(done.compressSend, false);
  assert.equal(done.compressReceive, false);
  assert.equal(done.rest.length, 0);
  assert.equal(done.peer.get('Node'), '127.0.0.2:6347');
  assert.equal(done.peer.getBoolean('X-Ultrapeer'), false);
});

test('responder: the recorded gtk-gnutella deflate handshake compresses both ways', () => {
  const hs = responder({ respond: () => ({ code: 200, reason: 'OK', fields: [...DEFLATE] }) });
  hs.handleData(GTK_DEFLATE_REQUEST, T0);
  assert.match(text(drain(hs)), /\r\nContent-Encoding: deflate\r\n/);
  hs.handleData(GTK_DEFLATE_CONFIRM, T0 + 1);
  const done = expectEvent(hs, 'completed');
  assert.equal(done.compressSend, true);
  assert.equal(done.compressReceive, true);
  assert.equal(done.peer.get('Connection'), 'Upgrade');
});

test('initiator: recorded gtk-gnutella block (2) is confirmed with block (3)', () => {
  let seen: HeaderBlock | undefined;
  const hs = initiator({
    confirm: (response) => {
      seen = response;
      return { code: 200, reason: 'OK', fields: [...DEFLATE] };
    },
  });
  drain(hs);
  const message = bytesOf('not a handshake: the first message');
  hs.handleData(concat(GTK_UP_RESPONSE, message), T0 + 100);
  assert.deepEqual(seen?.raw, GTK_UP_RESPONSE);
  // A no-deflate block (2): Content-Encoding dropped (HS-22).
  assert.equal(text(drain(hs)), 'GNUTELLA/0.6 200 OK\r\n\r\n');
  const done = expectEvent(hs, 'completed');
  assert.deepEqual(done.rest, message);
  assert.equal(done.compressSend, false);
  assert.equal(done.compressReceive, false);
  assert.equal(done.peer.get('X-Degree'), '46');
  assert.equal(done.ours.get('User-Agent'), 'Test/1');
  assert.deepEqual(done.response.raw, GTK_UP_RESPONSE);
  assert.equal(text(done.request.raw), 'GNUTELLA CONNECT/0.6\r\nUser-Agent: Test/1\r\n\r\n');
  assert.equal(text(done.confirmation.raw), 'GNUTELLA/0.6 200 OK\r\n\r\n');
});

test('initiator: a deflate block (2) lets us compress too', () => {
  const hs = initiator({ confirm: () => ({ code: 200, reason: 'OK', fields: [...DEFLATE] }) });
  drain(hs);
  hs.handleData(GTK_DEFLATE_RESPONSE, T0 + 1);
  assert.equal(text(drain(hs)), 'GNUTELLA/0.6 200 OK\r\nContent-Encoding: deflate\r\n\r\n');
  const done = expectEvent(hs, 'completed');
  assert.equal(done.compressSend, true);
  assert.equal(done.compressReceive, true);
  assert.equal(done.ours.get('Content-Encoding'), 'deflate');
});

test('initiator without confirm answers a bare 200 OK', () => {
  const hs = new Handshake({ role: 'initiator', now: T0 });
  assert.equal(text(drain(hs)), 'GNUTELLA CONNECT/0.6\r\n\r\n');
  hs.handleData(bareLf(GTK_UP_RESPONSE), T0);
  assert.equal(text(drain(hs)), 'GNUTELLA/0.6 200 OK\r\n\r\n');
  expectEvent(hs, 'completed');
});

for (const [name, bytes, code] of [
  ['204 from a gtk-gnutella leaf', GTK_REFUSAL_204, 204],
  ['403 from a gtk-gnutella ultrapeer', GTK_REFUSAL_403, 403],
  ['folded 503 of spec §10', SPEC_FOLDED_503, 503],
] as const) {
  test(`initiator refused by a ${name}: no block (3), nothing more (HS-4)`, () => {
    let confirmed = false;
    const hs = initiator({
      confirm: () => {
        confirmed = true;
        return OK;
      },
    });
    drain(hs);
    hs.handleData(bytes, T0 + 5);
    assert.equal(hs.pollOutput(), undefined);
    assert.equal(confirmed, false);
    const refused = expectEvent(hs, 'refused');
    assert.equal(refused.by, 'peer');
    assert.equal(refused.code, code);
    assert.equal(hs.state, 'refused');
    assert.equal(hs.nextTimeout(), undefined);
    hs.handleData(SPEC_DEFLATED_PING, T0 + 6);
    assert.equal(hs.pollOutput(), undefined);
    assert.equal(hs.pollEvent(), undefined);
  });
}

test('a refusal carries the peer headers, e.g. the folded X-Try-Ultrapeers (HS-9)', () => {
  const hs = initiator();
  hs.handleData(SPEC_FOLDED_503, T0);
  const refused = expectEvent(hs, 'refused');
  assert.equal(refused.reason, 'Too many leaf connections (32 max)');
  assert.equal(
    refused.peer.get('X-Try-Ultrapeers'),
    '192.0.2.10:6346, 192.0.2.11:6347, 192.0.2.12:6346, 192.0.2.13:6348',
  );
});

test('initiator refusing in block (3) is refused by us', () => {
  const hs = initiator({ confirm: () => ({ code: 503, reason: 'Need an Ultrapeer', fields: [] }) });
  drain(hs);
  hs.handleData(GTK_UP_RESPONSE, T0);
  assert.equal(text(drain(hs)), 'GNUTELLA/0.6 503 Need an Ultrapeer\r\n\r\n');
  const refused = expectEvent(hs, 'refused');
  assert.equal(refused.by, 'us');
  assert.equal(refused.code, 503);
  assert.equal(refused.peer.get('X-Ultrapeer'), 'True');
});

test('responder refusing writes block (2) and nothing after it (HS-3)', () => {
  const hs = responder({
    respond: () => ({
      code: 503,
      reason: 'No Leaf Slots',
      fields: [['X-Try-Ultrapeers', '192.0.2.1:6346']],
    }),
  });
  hs.handleData(concat(SPEC_BLOCK_1, SPEC_BLOCK_3), T0);
  assert.equal(
    text(drain(hs)),
    'GNUTELLA/0.6 503 No Leaf Slots\r\nX-Try-Ultrapeers: 192.0.2.1:6346\r\n\r\n',
  );
  const refused = expectEvent(hs, 'refused');
  assert.deepEqual(
    { by: refused.by, code: refused.code, reason: refused.reason },
    { by: 'us', code: 503, reason: 'No Leaf Slots' },
  );
  assert.equal(refused.peer.get('User-Agent'), 'ExampleServent/0.1');
  hs.handleData(SPEC_BLOCK_3, T0 + 1);
  hs.handleEnd(T0 + 2);
  hs.handleTimeout(T0 + 1_000_000);
  assert.equal(hs.pollOutput(), undefined);
  assert.equal(hs.pollEvent(), undefined);
});

test('responder: a non-200 block (3) is a refusal by the peer', () => {
  const hs = responder();
  hs.handleData(GTK_LEAF_REQUEST, T0);
  drain(hs);
  hs.handleData(bytesOf('GNUTELLA/0.6 503 Changed my mind\r\nX-Try: 192.0.2.5\r\n\r\n'), T0 + 1);
  const refused = expectEvent(hs, 'refused');
  assert.equal(refused.by, 'peer');
  assert.equal(refused.reason, 'Changed my mind');
  assert.equal(refused.peer.get('X-Try'), '192.0.2.5');
  assert.equal(refused.peer.get('Node'), '127.0.0.2:6347', 'block (1) headers too');
  assert.equal(hs.pollOutput(), undefined);
});

for (const version of ['0.7', '1.0']) {
  test(`CONNECT/${version} is answered with a GNUTELLA/0.6 status line (HS-14)`, () => {
    const hs = responder();
    hs.handleData(bytesOf(`GNUTELLA CONNECT/${version}\r\nX-Ultrapeer: True\r\n\r\n`), T0);
    assert.equal(text(drain(hs)), 'GNUTELLA/0.6 200 OK\r\n\r\n');
    hs.handleData(bytesOf(`GNUTELLA/${version} 200 OK\r\n\r\n`), T0 + 1);
    expectEvent(hs, 'completed');
  });
}

test('CONNECT/0.4 with LF LF gets no answer and a legacy-connect event (HS-15)', () => {
  let called = false;
  const hs = responder({
    respond: () => {
      called = true;
      return OK;
    },
  });
  // 47 4e ... 2f 30 2e 34 0a 0a, spec §8.
  hs.handleData(bytesOf('GNUTELLA CONNECT/0.4\n\n'), T0);
  assert.equal(hs.pollOutput(), undefined);
  assert.equal(called, false);
  expectEvent(hs, 'legacy-connect');
  assert.equal(hs.state, 'legacy-connect');
  assert.equal(hs.nextTimeout(), undefined);
});

test('initiator meeting a 0.4 peer (GNUTELLA OK) fails with legacy-peer', () => {
  const hs = initiator();
  drain(hs);
  hs.handleData(bytesOf('GNUTELLA OK\n\n'), T0);
  assert.equal(expectEvent(hs, 'failed').error.code, 'legacy-peer');
  assert.equal(hs.pollOutput(), undefined);
});

for (const [name, block, code] of [
  [
    'a line over 1024 bytes',
    `GNUTELLA CONNECT/0.6\r\nX-Big: ${'x'.repeat(2000)}\r\n\r\n`,
    'line-too-long',
  ],
  [
    'more than 128 header lines',
    `GNUTELLA CONNECT/0.6\r\n${'X-A: 1\r\n'.repeat(129)}\r\n`,
    'too-many-headers',
  ],
  [
    'more than 16 KiB',
    `GNUTELLA CONNECT/0.6\r\n${`X-A: ${'y'.repeat(1000)}\r\n`.repeat(17)}\r\n`,
    'block-too-large',
  ],
] as const) {
  test(`responder answers 413 to ${name}, then fails`, () => {
    const hs = responder();
    hs.handleData(bytesOf(block), T0);
    assert.match(text(drain(hs)), /^GNUTELLA\/0\.6 413 [^\r\n]+\r\n\r\n$/);
    assert.equal(expectEvent(hs, 'failed').error.code, code);
    assert.equal(hs.state, 'failed');
  });
}

test('responder answers 400 to a garbled Gnutella block (1)', () => {
  for (const [block, code] of [
    ['GNUTELLA CONNECT/abc\r\n\r\n', 'bad-connect-line'],
    ['GNUTELLA/0.6 200 OK\r\n\r\n', 'bad-connect-line'],
    ['GNUTELLA CONNECT/0.6\r\nA: \x01\r\n\r\n', 'binary-in-header'],
    ['GNUTELLA CONNECT/0.6\r\n continued\r\n\r\n', 'malformed-header'],
  ]) {
    const hs = responder();
    hs.handleData(bytesOf(block!), T0);
    assert.equal(text(drain(hs)), 'GNUTELLA/0.6 400 Bad Request\r\n\r\n', block);
    assert.equal(expectEvent(hs, 'failed').error.code, code);
  }
});

test('a 0.4 peer with an oversize block still gets no 0.6 status line (HS-15)', () => {
  const hs = responder();
  hs.handleData(bytesOf(`GNUTELLA CONNECT/0.4\n${'x'.repeat(2000)}`), T0);
  assert.equal(hs.pollOutput(), undefined);
  assert.equal(expectEvent(hs, 'failed').error.code, 'line-too-long');
});

test('something that is not Gnutella fails at once with not-gnutella and no output', () => {
  for (const bytes of [
    bytesOf('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
    bytesOf('GET '),
    bytesOf('GNUTELLO'),
    bytesOf('\r\n'),
    Uint8Array.of(0x16, 0x03, 0x01, 0x01, 0x7c),
  ]) {
    const hs = responder();
    hs.handleData(bytes, T0);
    assert.equal(hs.pollOutput(), undefined);
    assert.equal(expectEvent(hs, 'failed').error.code, 'not-gnutella');
  }
  const hs = initiator();
  drain(hs);
  hs.handleData(bytesOf('HTTP/1.1 503 Busy\r\n\r\n'), T0);
  assert.equal(expectEvent(hs, 'failed').error.code, 'not-gnutella');
  assert.equal(hs.pollOutput(), undefined);
});

test('a Gnutella prefix arriving byte by byte is not judged early', () => {
  const hs = responder();
  for (const byte of bytesOf('GNUTELL')) hs.handleData(Uint8Array.of(byte), T0);
  assert.equal(hs.pollEvent(), undefined);
  hs.handleData(bytesOf('A CONNECT/0.6\r\n\r\n'), T0);
  assert.equal(text(drain(hs)), 'GNUTELLA/0.6 200 OK\r\n\r\n');
});

test('block (3) that is not a status line fails the handshake', () => {
  const hs = responder();
  hs.handleData(SPEC_BLOCK_1, T0);
  drain(hs);
  hs.handleData(bytesOf('GNUTELLA CONNECT/0.6\r\n\r\n'), T0 + 1);
  assert.equal(expectEvent(hs, 'failed').error.code, 'bad-status-line');
  assert.equal(hs.pollOutput(), undefined);
});

test('responder timeouts: 30 s for block (1), then 30 s after block (2) (HS-29)', () => {
  const hs = responder();
  assert.equal(hs.nextTimeout(), T0 + 30_000);
  hs.handleTimeout(T0 + 29_999);
  assert.equal(hs.pollEvent(), undefined);
  hs.handleData(SPEC_BLOCK_1, T0 + 20_000);
  drain(hs);
  assert.equal(hs.nextTimeout(), T0 + 50_000);
  hs.handleTimeout(T0 + 49_999);
  assert.equal(hs.pollEvent(), undefined);
  hs.handleTimeout(T0 + 50_000);
  const failed = expectEvent(hs, 'failed');
  assert.equal(failed.error.code, 'timeout');
  assert.equal(failed.error.clause, 'HS-29');
  assert.match(failed.error.message, /block \(3\).*30000 ms/);
  assert.equal(hs.nextTimeout(), undefined);
  assert.equal(hs.pollOutput(), undefined);
});

test('responder times out waiting for block (1)', () => {
  const hs = responder({ timeouts: { requestMs: 5_000 } });
  hs.handleData(SPEC_BLOCK_1.subarray(0, 10), T0 + 1);
  assert.equal(hs.nextTimeout(), T0 + 5_000);
  hs.handleTimeout(T0 + 5_000);
  const failed = expectEvent(hs, 'failed');
  assert.equal(failed.error.code, 'timeout');
  assert.match(failed.error.message, /block \(1\)/);
});

test('initiator waits 8 s for block (2) (HS-30)', () => {
  const hs = initiator();
  assert.equal(hs.nextTimeout(), T0 + 8_000);
  hs.handleTimeout(T0 + 8_000);
  const failed = expectEvent(hs, 'failed');
  assert.equal(failed.error.code, 'timeout');
  assert.equal(failed.error.clause, 'HS-30');
});

test('data arriving after the deadline is a timeout, not a late success', () => {
  const hs = initiator({ timeouts: { responseMs: 1_000 } });
  drain(hs);
  hs.handleData(GTK_UP_RESPONSE, T0 + 1_000);
  assert.equal(hs.pollOutput(), undefined);
  assert.equal(expectEvent(hs, 'failed').error.code, 'timeout');
});

test('the peer closing early fails with peer-closed', () => {
  const hs = responder();
  hs.handleData(SPEC_BLOCK_1.subarray(0, 50), T0);
  hs.handleEnd(T0 + 1);
  const failed = expectEvent(hs, 'failed');
  assert.equal(failed.error.code, 'peer-closed');
  assert.equal(hs.nextTimeout(), undefined);
  const up = initiator();
  up.handleEnd(T0);
  assert.equal(expectEvent(up, 'failed').error.code, 'peer-closed');
});

test('after completion: end is ignored, more data is a usage error', () => {
  const hs = initiator();
  hs.handleData(GTK_UP_RESPONSE, T0);
  expectEvent(hs, 'completed');
  hs.handleEnd(T0 + 1);
  hs.handleTimeout(T0 + 1_000_000);
  assert.equal(hs.pollEvent(), undefined);
  assert.throws(() => hs.handleData(SPEC_DEFLATED_PING, T0 + 2), UsageError);
});

test('a responder needs respond; an initiator takes confirm, not respond', () => {
  assert.throws(() => new Handshake({ role: 'responder', now: T0 }), UsageError);
  assert.throws(() => new Handshake({ role: 'initiator', now: T0, respond: () => OK }), UsageError);
});

test('a callback reply our writer must not send is a usage error (HS-10)', () => {
  const hs = responder({ respond: () => ({ code: 200, reason: '', fields: [] }) });
  assert.throws(() => hs.handleData(SPEC_BLOCK_1, T0), UsageError);
});

const LEAF: LocalProfile = {
  userAgent: 'Leaf/1',
  mode: 'leaf',
  listen: { host: '198.51.100.7', port: 6346 },
  acceptDeflate: true,
  degree: 32,
};
const ULTRAPEER: LocalProfile = {
  userAgent: 'Up/1',
  mode: 'ultrapeer',
  listen: { host: '203.0.113.5', port: 6346 },
  acceptDeflate: true,
  degree: 32,
};
const SLOTS: SlotState = { freeLeafSlots: 10, freeUltrapeerSlots: 2, connectedUltrapeers: 1 };

function pair(
  dialler: LocalProfile,
  listener: LocalProfile,
  listenerSlots: SlotState = SLOTS,
  diallerSlots: SlotState = SLOTS,
) {
  const a = new Handshake({
    role: 'initiator',
    now: T0,
    request: requestFields(dialler, { remoteAddress: '203.0.113.5' }),
    confirm: (response) =>
      decideOutgoing(response, dialler, diallerSlots, { remoteAddress: '203.0.113.5' }),
  });
  const b = new Handshake({
    role: 'responder',
    now: T0,
    respond: (request) =>
      decideIncoming(request, listener, listenerSlots, { remoteAddress: '::ffff:198.51.100.7' }, [
        '192.0.2.10:6346',
      ]),
  });
  return { a, b };
}

test('two cores in memory: a leaf dials an ultrapeer, compressed both ways', () => {
  for (const chunkSize of [Number.POSITIVE_INFINITY, 7, 1]) {
    const { a, b } = pair(LEAF, ULTRAPEER);
    link(a, b, T0 + 5, chunkSize);
    const doneA = expectEvent(a, 'completed');
    const doneB = expectEvent(b, 'completed');
    assert.deepEqual([doneA.compressSend, doneA.compressReceive], [true, true]);
    assert.deepEqual([doneB.compressSend, doneB.compressReceive], [true, true]);
    assert.equal(doneA.peer.get('X-Ultrapeer'), 'True');
    assert.equal(doneA.peer.get('Remote-IP'), '198.51.100.7');
    assert.equal(doneB.peer.get('X-Ultrapeer'), 'False');
    assert.equal(doneB.peer.get('Content-Encoding'), 'deflate');
    // Each side's blocks are the other side's, byte for byte.
    assert.deepEqual(doneA.request.raw, doneB.request.raw);
    assert.deepEqual(doneA.response.raw, doneB.response.raw);
    assert.deepEqual(doneA.confirmation.raw, doneB.confirmation.raw);
    assert.deepEqual(doneA.ours.toObject(), doneB.peer.toObject());
    assert.deepEqual(doneB.ours.toObject(), doneA.peer.toObject());
  }
});

test('two cores in memory: without deflate on one side, nothing is compressed', () => {
  const { a, b } = pair({ ...LEAF, acceptDeflate: false }, ULTRAPEER);
  link(a, b, T0);
  const doneA = expectEvent(a, 'completed');
  const doneB = expectEvent(b, 'completed');
  assert.deepEqual([doneA.compressSend, doneA.compressReceive], [false, false]);
  assert.deepEqual([doneB.compressSend, doneB.compressReceive], [false, false]);
});

test('two cores in memory: a leaf refuses a leaf with X-Try-Ultrapeers', () => {
  const { a, b } = pair(LEAF, LEAF);
  link(a, b, T0);
  const refusedA = expectEvent(a, 'refused');
  const refusedB = expectEvent(b, 'refused');
  assert.deepEqual([refusedA.by, refusedB.by], ['peer', 'us']);
  assert.equal(refusedA.code, 503);
  assert.equal(refusedA.reason, 'Shielded leaf node');
  assert.equal(refusedA.peer.get('X-Try-Ultrapeers'), '192.0.2.10:6346');
});

test('two cores in memory: a leaf dialling a leaf that accepts refuses in block (3)', () => {
  const { a } = pair(LEAF, ULTRAPEER);
  // A listener that says it is a leaf and accepts anyone anyway.
  const leafish = responder({
    respond: () => ({ code: 200, reason: 'OK', fields: [['X-Ultrapeer', 'False']] }),
  });
  link(a, leafish, T0);
  assert.equal(expectEvent(a, 'refused').by, 'us');
  const refused = expectEvent(leafish, 'refused');
  assert.equal(refused.by, 'peer');
  assert.equal(refused.reason, 'Need an Ultrapeer');
});

test('property: a responder fed arbitrary bytes never throws and answers only Gnutella', () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 12 }),
      fc.boolean(),
      (chunks, gnutellaPrefix) => {
        const hs = responder({ limits: { maxBlockBytes: 512 } });
        const first = gnutellaPrefix ? [bytesOf('GNUTELLA CONNECT/0.6\r\n')] : [];
        let now = T0;
        for (const chunk of [...first, ...chunks]) hs.handleData(chunk, now++);
        hs.handleEnd(now);
        const out = text(drain(hs));
        const event = onlyEvent(hs);
        assert.ok(event, 'a terminal event after the end of input');
        // Random bytes do not spell GNUTELLA, so nothing is answered to them.
        if (!gnutellaPrefix) assert.equal(out, '');
        if (out !== '') assert.match(out, /^GNUTELLA\/0\.6 \d{3} [^\r\n]+\r\n/);
      },
    ),
  );
});

test('property: an initiator fed arbitrary bytes after a valid block (2) prefix never throws', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 12 }), (chunks) => {
      const hs = initiator();
      drain(hs);
      let now = T0;
      for (const chunk of [bytesOf('GNUTELLA/0.6 '), ...chunks]) {
        if (hs.state === 'completed') break;
        hs.handleData(chunk, now++);
      }
      const event = hs.pollEvent();
      if (event) assert.ok(['completed', 'refused', 'failed'].includes(event.type));
    }),
  );
});
