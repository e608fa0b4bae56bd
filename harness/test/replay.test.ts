/**
 * Replaying fixtures over real sockets on 127.0.0.1: a small servent built from
 * core pieces passes the gtk-gnutella fixtures, broken variants fail with a
 * reason that names the step and the matcher, alternatives give their
 * verdicts, and the recording proxy writes fixtures that replay.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import { after, describe, test } from 'node:test';
import * as zlib from 'node:zlib';
import { BlockReader, formatBlock } from '../../servent/src/core/handshake/index.js';
import { decodeBody } from '../../servent/src/core/message-body.js';
import {
  encodeMessage,
  encodePong,
  MessageFramer,
  type MessageHeader,
  MessageType,
} from '../../servent/src/core/wire/index.js';
import { ConversationSchema } from '../fixtures/conversation.js';
import { type Fixture, FixtureSchema, isExpect, type Step } from '../fixtures/fixture.js';
import { convertFile, fixtureJson } from '../fixtures/from-conversation.js';
import { FixturePeer } from '../peers/fixture-peer.js';
import { formatVerdict, replayFixture } from '../peers/replay-peer.js';
import { RecordingProxy } from '../record/recorder.js';

const LEAF_CONNECTS = 'fixtures/peers/replay/gtk-gnutella-1.2.3-leaf-connects.json';
const UP_ACCEPTS = 'fixtures/peers/replay/gtk-gnutella-1.2.3-ultrapeer-accepts-deflate.json';
/** How each committed replay fixture was made; the test below checks they are still what it makes. */
const MADE_BY: Record<string, string[]> = {
  [LEAF_CONNECTS]: [
    'fixtures/peers/gtk-gnutella-1.2.3/notls_plain_s04_gnutella_127.0.0.2-36903_to_127.0.0.1-6346.json',
    LEAF_CONNECTS,
    '--play',
    'initiator',
    '--until-ms',
    '2000',
    '--when',
    '2026-11',
    '--name',
    'gtk-gnutella 1.2.3 leaf connects to an ultrapeer',
    '--clauses',
    'HS-2,HS-16,HS-19,HS-22,MSG-16,MSG-19,MSG-23',
  ],
  [UP_ACCEPTS]: [
    'fixtures/peers/gtk-gnutella-1.2.3/default_deflate_s04_gnutella_127.0.0.4-45005_to_127.0.0.1-6346.json',
    UP_ACCEPTS,
    '--play',
    'responder',
    '--when',
    '2026-11',
    '--name',
    'gtk-gnutella 1.2.3 ultrapeer accepts a leaf and compresses',
    '--clauses',
    'HS-1,HS-4,HS-16,HS-22,HS-24',
  ],
};

const load = (file: string): Fixture => FixtureSchema.parse(JSON.parse(readFileSync(file, 'utf8')));

/** The fixture with every expect's `within_ms` cut, so a silent SUT fails fast. */
function hurried(fixture: Fixture, ms: number): Fixture {
  const cut = (steps: Step[]): Step[] =>
    steps.map((s) =>
      isExpect(s) && s.expect.kind !== 'open' ? { ...s, within_ms: Math.min(s.within_ms, ms) } : s,
    );
  return { ...fixture, steps: cut(fixture.steps) };
}

// ------------------------------------------------------------------ a small ultrapeer from core pieces

type Fields = Array<[string, string]>;

const GOOD_BLOCK2: Fields = [
  ['User-Agent', 'TinyServent/0.1'],
  ['X-Ultrapeer', 'True'],
  ['X-Query-Routing', '0.1'],
  ['X-Ultrapeer-Query-Routing', '0.1'],
];

interface TinyOptions {
  block2?: Fields;
  /** How pings are answered: a pong with their GUID, one with another GUID, or none. */
  pongs?: 'echo' | 'other-guid' | 'none';
  /** Keep each ping's pong until the next ping arrives, then answer the newer first. */
  reverse?: boolean;
}

interface TinyServent {
  endpoint: { host: string; port: number };
  /** Per connection: the QRP updates and pings it read. */
  seen: { updates: number; pings: number };
  close(): Promise<void>;
}

async function tinyUltrapeer(options: TinyOptions = {}): Promise<TinyServent> {
  const seen = { updates: 0, pings: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    let blocks = 0;
    let reader = new BlockReader();
    const framer = new MessageFramer();
    let held: MessageHeader | undefined;
    const pong = (ping: MessageHeader, guid = ping.guid) =>
      socket.write(
        encodeMessage(
          { guid, type: MessageType.Pong, ttl: Math.max(1, ping.hops + 1), hops: 0 },
          encodePong({
            port: server.address() ? (server.address() as net.AddressInfo).port : 0,
            address: '127.0.0.1',
            sharedFiles: 0,
            sharedKilobytes: 8,
            ggep: new Uint8Array(0),
          }),
        ),
      );
    const onMessage = (header: MessageHeader, payload: Uint8Array) => {
      assert.ok(decodeBody(header.type, payload).ok, 'the fixture sent an undecodable message');
      if (header.type === MessageType.RouteTableUpdate) seen.updates++;
      if (header.type !== MessageType.Ping) return;
      seen.pings++;
      if (options.pongs === 'none') return;
      if (options.pongs === 'other-guid') return void pong(header, new Uint8Array(16).fill(7));
      if (!options.reverse) return void pong(header);
      if (!held) {
        held = header;
        return;
      }
      pong(header);
      pong(held);
      held = undefined;
    };
    socket.on('data', (chunk: Buffer) => {
      let rest: Uint8Array = chunk;
      while (blocks < 2 && rest.length > 0) {
        const r = reader.write(rest);
        if (r.kind !== 'block') return;
        rest = r.rest;
        reader = new BlockReader();
        if (++blocks === 1)
          socket.write(formatBlock('GNUTELLA/0.6 200 OK', options.block2 ?? GOOD_BLOCK2));
      }
      for (const f of framer.write(rest)) if (f.ok) onMessage(f.value.header, f.value.payload);
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: { host: '127.0.0.1', port: (server.address() as net.AddressInfo).port },
    seen,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const closers: Array<() => Promise<void>> = [];
after(async () => {
  for (const close of closers) await close();
});

async function servent(options: TinyOptions = {}): Promise<TinyServent> {
  const s = await tinyUltrapeer(options);
  closers.push(s.close);
  return s;
}

// ------------------------------------------------------------------ the committed fixtures

describe('committed replay fixtures', () => {
  test('are valid gnutella-fixture/1 files and what from-conversation makes today', () => {
    for (const [file, argv] of Object.entries(MADE_BY)) {
      const { fixture } = convertFile(argv);
      assert.equal(
        fixtureJson(fixture),
        readFileSync(file, 'utf8'),
        `${file} is stale: re-run npx tsx harness/fixtures/from-conversation.ts ${argv.join(' ')}`,
      );
      assert.ok(fixture.recorded.source?.endsWith('.json'), 'names the conversation it came from');
    }
  });

  test('the leaf fixture plays block (1), expects a 200 with X-Ultrapeer True, then QRP and a ping', () => {
    const f = load(LEAF_CONNECTS);
    assert.equal(f.peer.side, 'initiator');
    assert.equal(f.peer.role, 'leaf');
    const summary = f.steps.map((s) =>
      'send' in s ? `send ${s.send.kind}` : `expect ${s.expect.kind}`,
    );
    assert.deepEqual(summary.slice(0, 3), ['send block', 'expect block', 'send block']);
    const block2 = f.steps[1]!;
    assert.ok(isExpect(block2) && block2.expect.kind === 'block');
    assert.deepEqual(block2.expect.headers?.['X-Ultrapeer'], { exact: 'True' });
    assert.ok(block2.expect.headers?.['X-Query-Routing']);
    const pong = f.steps.find((s) => isExpect(s) && s.expect.kind === 'message');
    assert.ok(pong && isExpect(pong) && pong.expect.kind === 'message');
    assert.equal(pong.expect.type, MessageType.Pong);
    const ping = f.steps[Number(String(pong.expect.match.guid).split(':')[1])]!;
    assert.ok('send' in ping && ping.send.kind === 'message');
    assert.equal(Buffer.from(ping.send.hex, 'hex')[16], MessageType.Ping);
  });
});

// ------------------------------------------------------------------ judging a servent

describe('replaying the gtk-gnutella leaf against a servent', () => {
  test('a servent that behaves passes, having read the QRP table and the ping', async () => {
    const s = await servent();
    const v = await replayFixture(load(LEAF_CONNECTS), s.endpoint);
    assert.equal(v.verdict, 'pass', formatVerdict(v));
    assert.equal(v.alternative, undefined);
    assert.ok(v.steps.every((step) => step.ok));
    assert.equal(v.steps.length, load(LEAF_CONNECTS).steps.length);
    assert.equal(s.seen.updates, 2);
    assert.equal(s.seen.pings, 1);
    const pong = v.steps.find((step) => step.kind === 'expect-message')!;
    assert.equal(pong.observed?.type, 'pong');
    assert.equal((pong.observed?.fields as { address?: string } | undefined)?.address, '127.0.0.1');
    assert.ok(
      v.transcript.some((t) => t.dir === 'in') && v.transcript.some((t) => t.dir === 'out'),
    );
    assert.match(formatVerdict(v), /PASS/);
  });

  test('header order and name case are free', async () => {
    const s = await servent({
      block2: [
        ['x-query-routing', '0.2'],
        ['X-Degree', '32'],
        ['X-ULTRAPEER', 'True'],
        ['user-agent', 'Other/1.0'],
      ],
    });
    const v = await replayFixture(load(LEAF_CONNECTS), s.endpoint);
    assert.equal(v.verdict, 'pass', formatVerdict(v));
  });

  test('a block (2) without X-Ultrapeer fails at step 1, naming the header', async () => {
    const s = await servent({ block2: GOOD_BLOCK2.filter(([n]) => n !== 'X-Ultrapeer') });
    const v = await replayFixture(load(LEAF_CONNECTS), s.endpoint);
    assert.equal(v.verdict, 'fail');
    assert.match(v.why ?? '', /^step 1 \(expect-block\): header X-Ultrapeer is missing/);
    assert.match(formatVerdict(v), /FAIL #1 expect-block/);
  });

  test('a Content-Encoding nobody offered fails (HS-22)', async () => {
    const s = await servent({ block2: [...GOOD_BLOCK2, ['Content-Encoding', 'deflate']] });
    const v = await replayFixture(load(LEAF_CONNECTS), s.endpoint);
    assert.equal(v.verdict, 'fail');
    assert.match(v.why ?? '', /header Content-Encoding must be absent/);
  });

  test('a pong with another GUID fails at the pong step, saying which GUID it wanted', async () => {
    const s = await servent({ pongs: 'other-guid' });
    const v = await replayFixture(hurried(load(LEAF_CONNECTS), 500), s.endpoint);
    assert.equal(v.verdict, 'fail');
    const index = load(LEAF_CONNECTS).steps.findIndex(
      (step) => isExpect(step) && step.expect.kind === 'message',
    );
    assert.match(v.why ?? '', new RegExp(`^step ${index} \\(expect-message\\): no matching pong`));
    assert.match(v.why ?? '', /guid is not same-as:\d+ \(2eda3102/);
  });

  test('a servent that never answers fails when the step runs out of time', async () => {
    const s = await servent({ pongs: 'none' });
    const v = await replayFixture(hurried(load(LEAF_CONNECTS), 300), s.endpoint);
    assert.equal(v.verdict, 'fail');
    assert.match(v.why ?? '', /no matching pong within 300 ms; seen no pong at all/);
  });

  test('nothing listening is a fail with a reason, not an exception', async () => {
    const s = await servent();
    await s.close();
    const v = await replayFixture(load(LEAF_CONNECTS), s.endpoint);
    assert.equal(v.verdict, 'fail');
    assert.match(v.why ?? '', /^no connection: .*failed/);
  });
});

describe('alternatives', () => {
  // Two pings in a row; the spec does not order the pongs, a strict reading might.
  const base = load(LEAF_CONNECTS);
  const handshake = base.steps.slice(0, 3);
  const ping = (guidByte: number): Step => {
    const bytes = Buffer.alloc(23);
    bytes.fill(guidByte, 0, 16);
    bytes[17] = 1;
    return { send: { kind: 'message', hex: bytes.toString('hex') } };
  };
  const pongFor = (step: number): Step => ({
    expect: { kind: 'message', type: MessageType.Pong, match: { guid: `same-as:${step}` } },
    within_ms: 1_000,
  });
  const fixture: Fixture = FixtureSchema.parse({
    ...base,
    name: 'two pings',
    steps: [...handshake, ping(1), ping(2), pongFor(3), pongFor(4)],
    alternatives: {
      'out-of-order': [[...handshake, ping(1), ping(2), pongFor(4), pongFor(3)]],
    },
  });

  test('pongs in order match the main steps: pass', async () => {
    const v = await replayFixture(fixture, (await servent()).endpoint);
    assert.equal(v.verdict, 'pass', formatVerdict(v));
    assert.deepEqual(v.tried, []);
  });

  test('pongs in the other order match the alternative and get its verdict', async () => {
    const v = await replayFixture(fixture, (await servent({ reverse: true })).endpoint);
    assert.equal(v.verdict, 'out-of-order', formatVerdict(v));
    assert.equal(v.alternative, 0);
    assert.equal(v.tried.length, 1);
    assert.match(v.tried[0]!.why, /^step 6/);
    assert.match(formatVerdict(v), /OUT-OF-ORDER \(alternative 0 of "out-of-order"\)/);
  });

  test('no pongs match neither: fail, with each transcript’s reason', async () => {
    const v = await replayFixture(fixture, (await servent({ pongs: 'none' })).endpoint);
    assert.equal(v.verdict, 'fail');
    assert.equal(v.tried.length, 2);
  });

  test('the schema refuses alternatives that play other bytes, and references forward', () => {
    const other = FixtureSchema.safeParse({
      ...fixture,
      alternatives: { lenient: [[...handshake, ping(2), ping(1), pongFor(3), pongFor(4)]] },
    });
    assert.ok(!other.success);
    assert.match(other.error.message, /their sends must equal those of/);
    const forward = FixtureSchema.safeParse({
      ...fixture,
      steps: [...handshake, pongFor(4), ping(1)],
      alternatives: undefined,
    });
    assert.ok(!forward.success);
    assert.match(forward.error.message, /must name an earlier message step/);
  });
});

// ------------------------------------------------------------------ the fixture as responder, deflating

describe('replaying the gtk-gnutella ultrapeer (responder, deflate)', () => {
  /** A leaf that connects, offers deflate, compresses its own stream and inflates the fixture's. */
  async function tinyLeaf(to: { host: string; port: number }, block1: Fields) {
    const socket = net.connect(to);
    socket.on('error', () => {});
    socket.write(formatBlock('GNUTELLA CONNECT/0.6', block1));
    const received: number[] = [];
    let head: Buffer | undefined;
    const inflate = zlib.createInflate();
    const framer = new MessageFramer();
    inflate.on('data', (b: Buffer) => {
      for (const f of framer.write(b)) if (f.ok) received.push(f.value.header.type);
    });
    const reader = new BlockReader();
    let answered = false;
    socket.on('data', (chunk: Buffer) => {
      if (answered) {
        head ??= chunk.subarray(0, 2);
        inflate.write(chunk);
        return;
      }
      const r = reader.write(chunk);
      if (r.kind !== 'block') return;
      answered = true;
      socket.write(formatBlock('GNUTELLA/0.6 200 OK', [['Content-Encoding', 'deflate']]));
      const deflate = zlib.createDeflate();
      deflate.on('data', (b: Buffer) => socket.write(b));
      deflate.write(
        encodeMessage(
          { guid: new Uint8Array(16).fill(3), type: 0, ttl: 1, hops: 0 },
          new Uint8Array(0),
        ),
      );
      deflate.flush(zlib.constants.Z_SYNC_FLUSH);
      if (r.rest.length > 0) {
        head = Buffer.from(r.rest.subarray(0, 2));
        inflate.write(r.rest);
      }
    });
    return { received, head: () => head, close: () => socket.destroy() };
  }

  const LEAF_BLOCK1: Fields = [
    ['User-Agent', 'TinyLeaf/0.1'],
    ['X-Ultrapeer', 'False'],
    ['X-Query-Routing', '0.2'],
    ['Accept-Encoding', 'deflate'],
  ];

  test('a leaf that offers deflate passes, and the fixture compresses as gtk-gnutella did (68 81)', async () => {
    const listener = await FixturePeer.listen('127.0.0.1', 'fixture ultrapeer');
    closers.push(() => listener.close());
    const verdict = replayFixture(load(UP_ACCEPTS), listener);
    const leaf = await tinyLeaf(listener.endpoint, LEAF_BLOCK1);
    const v = await verdict;
    leaf.close();
    assert.equal(v.verdict, 'pass', formatVerdict(v));
    assert.equal(leaf.head()?.toString('hex'), '6881');
    assert.deepEqual(leaf.received, [MessageType.Vendor, MessageType.Vendor]);
  });

  test('a leaf that does not offer deflate fails at block (1)', async () => {
    const listener = await FixturePeer.listen('127.0.0.1', 'fixture ultrapeer');
    closers.push(() => listener.close());
    const verdict = replayFixture(load(UP_ACCEPTS), listener);
    const leaf = await tinyLeaf(
      listener.endpoint,
      LEAF_BLOCK1.filter(([n]) => n !== 'Accept-Encoding'),
    );
    const v = await verdict;
    leaf.close();
    assert.equal(v.verdict, 'fail');
    assert.match(v.why ?? '', /^step 0 \(expect-block\): header Accept-Encoding is missing/);
  });
});

// ------------------------------------------------------------------ the recording proxy

describe('RecordingProxy', () => {
  /** An ultrapeer scripted on FixturePeer: deflates both ways, answers pings, sends a query. */
  async function scriptedUltrapeer() {
    const listener = await FixturePeer.listen('127.0.0.1', 'scripted ultrapeer');
    closers.push(() => listener.close());
    /** Serves the next connection; one per call, so no accept outlives the test. */
    const serveNext = async () => {
      const peer = await listener.accept(5_000);
      closers.push(async () => peer.close());
      await peer.readBlock();
      peer.writeBlock('GNUTELLA/0.6 200 OK', [
        ['User-Agent', 'ScriptedUltrapeer/0.1'],
        ['X-Ultrapeer', 'True'],
        ['X-Query-Routing', '0.1'],
        ['Accept-Encoding', 'deflate'],
        ['Content-Encoding', 'deflate'],
      ]);
      await peer.readBlock();
      peer.startMessages({ receive: true, send: { windowBits: 14 } });
      peer.onMessage((m) => {
        if (m.header.type !== MessageType.Ping) return;
        const pong = encodePong({
          port: 6346,
          address: '127.0.0.1',
          sharedFiles: 3,
          sharedKilobytes: 8,
          ggep: new Uint8Array(),
        });
        peer.sendMessage(
          encodeMessage({ guid: m.header.guid, type: MessageType.Pong, ttl: 1, hops: 0 }, pong),
        );
      });
      const query = Buffer.concat([Buffer.from([0x80, 0x00]), Buffer.from('alpha\0', 'latin1')]);
      peer.sendMessage(
        encodeMessage(
          { guid: new Uint8Array(16).fill(9), type: MessageType.Query, ttl: 3, hops: 0 },
          query,
        ),
      );
    };
    return { listener, serveNext };
  }

  test('records a deflated conversation both ways and writes a fixture that replays', async () => {
    const upstream = await scriptedUltrapeer();
    const recorded = upstream.serveNext();
    const proxy = await RecordingProxy.start({
      listen: { host: '127.0.0.1', port: 0 },
      upstream: upstream.listener.endpoint,
      name: 'recorded leaf',
      clauses: ['HS-24'],
      command: 'gnutella-conformance record --listen 127.0.0.1:0 …',
    });
    const leaf = await FixturePeer.connect(proxy.endpoint, 'live leaf');
    leaf.writeBlock('GNUTELLA CONNECT/0.6', [
      ['User-Agent', 'LiveLeaf/2.0'],
      ['X-Ultrapeer', 'False'],
      ['X-Query-Routing', '0.2'],
      ['Accept-Encoding', 'deflate'],
    ]);
    await leaf.readBlock();
    leaf.startMessages({ receive: true, send: {} });
    leaf.writeBlock('GNUTELLA/0.6 200 OK', [['Content-Encoding', 'deflate']]);
    const pingGuid = Buffer.alloc(16, 0x42);
    leaf.sendMessage(
      encodeMessage({ guid: pingGuid, type: MessageType.Ping, ttl: 1, hops: 0 }, new Uint8Array()),
    );
    leaf.sendMessage(
      encodeMessage(
        { guid: Buffer.alloc(16, 0x43), type: MessageType.RouteTableUpdate, ttl: 1, hops: 0 },
        Buffer.from('000040000002', 'hex'),
      ),
    );
    await leaf.nextMessage((m) => m.header.type === MessageType.Pong, 5_000, 'a pong');
    await leaf.nextMessage((m) => m.header.type === MessageType.Query, 5_000, 'a query');
    leaf.close();
    const recording = await proxy.stopped;

    const c = ConversationSchema.parse(JSON.parse(JSON.stringify(recording.conversation)));
    assert.deepEqual(c.deflate, { initiator: true, responder: true });
    assert.deepEqual(
      c.handshake.map((b) => `${b.from} ${b.text.split('\r\n')[0]}`),
      [
        'initiator GNUTELLA CONNECT/0.6',
        'responder GNUTELLA/0.6 200 OK',
        'initiator GNUTELLA/0.6 200 OK',
      ],
    );
    const types = (from: string) => c.messages.filter((m) => m.from === from).map((m) => m.type);
    assert.deepEqual(types('initiator'), [MessageType.Ping, MessageType.RouteTableUpdate]);
    assert.deepEqual(types('responder').sort(), [MessageType.Pong, MessageType.Query].sort());
    // The raw chunks stay compressed; the responder's stream starts with its zlib header.
    const after2 = Buffer.concat(
      c.raw.filter((r) => r.from === 'responder').map((r) => Buffer.from(r.hex, 'hex')),
    );
    assert.equal(
      after2
        .subarray(Buffer.byteLength(c.handshake[1]!.text, 'latin1'))
        .subarray(0, 2)
        .toString('hex'),
      '6881',
    );
    assert.match(c.recorded.how, /recording proxy/);

    assert.ok(recording.fixture, recording.problem);
    const fixture = FixtureSchema.parse(JSON.parse(fixtureJson(recording.fixture)));
    assert.equal(fixture.peer.side, 'initiator');
    assert.equal(fixture.peer.name, 'LiveLeaf');
    assert.equal(fixture.peer.version, '2.0');
    assert.deepEqual(fixture.clauses, ['HS-24']);
    assert.match(fixture.recorded.how, /gnutella-conformance record/);
    const pong = fixture.steps.find((s) => isExpect(s) && s.expect.kind === 'message');
    assert.ok(pong && isExpect(pong) && pong.expect.kind === 'message');
    assert.match(String(pong.expect.match.guid), /^same-as:\d+$/);

    await recorded;
    const replayed = upstream.serveNext();
    const v = await replayFixture(fixture, upstream.listener.endpoint);
    await replayed;
    assert.equal(v.verdict, 'pass', formatVerdict(v));
    await proxy.stop();
  });

  test('stop() before any connection gives an empty recording and says why there is no fixture', async () => {
    const proxy = await RecordingProxy.start({
      listen: { host: '127.0.0.1', port: 0 },
      upstream: { host: '127.0.0.1', port: 9 },
    });
    const recording = await proxy.stop();
    assert.equal(recording.fixture, undefined);
    assert.match(recording.problem ?? '', /not a real client's|no blocks/);
    assert.equal(recording.conversation.raw.length, 0);
  });
});
