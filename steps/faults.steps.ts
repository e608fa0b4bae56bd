/**
 * Faults (shared/DESIGN.md, "Docker here"): the SUT frozen, cut off its
 * network, its link throttled, and fixture connections through a fault proxy
 * on the host that delays, resets or corrupts what passes.
 */
import { randomBytes } from 'node:crypto';
import { Given, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import { type Direction, FaultProxy, type Faults } from '../harness/faults/fault-proxy.js';
import { blockText, FixturePeer } from '../harness/peers/fixture-peer.js';
import { type Fields, loadProfile, personalise, without } from '../harness/peers/profiles.js';
import { ScriptedPeer } from '../harness/peers/scripted-peer.js';
import { type Guid, MessageType } from '../servent/src/core/wire/index.js';
import type { ConformanceWorld } from './support/world.js';

const GTK = loadProfile('gtk-gnutella-1.2.3');
/** Headers of the recorded profile that would start TLS or compression we did not ask for. */
const NOT_REPLAYED = ['Upgrade', 'Connection', 'Content-Encoding', 'Accept-Encoding'];
/** Through a proxy with latency a handshake takes longer than the usual 5 s allowance. */
const THROUGH_PROXY_MS = 10_000;

// ------------------------------------------------------------------ helpers

function proxy(world: ConformanceWorld, name: string): FaultProxy {
  const p = world.notes.get(`fault proxy ${name}`);
  if (!(p instanceof FaultProxy)) throw new Error(`no fault proxy "${name}" in this scenario`);
  return p;
}

/**
 * "latency 500 ms", "jitter 50 ms", "a reset after 40 bytes from the SUT",
 * "corruption of byte 3 from the fixture", "a rate of 8000 bytes/s",
 * "a black hole after 100 bytes from the SUT", joined with "and".
 */
function parseFaults(text: string): Faults {
  const faults: Faults = {};
  for (const part of text.split(/ and /)) {
    const known = FAULT_PHRASES.find(([pattern]) => pattern.test(part));
    if (!known)
      throw new Error(
        `unknown fault "${part}": say latency N ms, jitter N ms, a reset after N bytes from the SUT|the fixture, corruption of byte N from ..., a rate of N bytes/s, a black hole after N bytes from ...`,
      );
    const m = part.match(known[0])!;
    known[1](faults, Number(m[1]), m[2] === 'the SUT' ? 'down' : 'up');
  }
  return faults;
}

const FAULT_PHRASES: Array<[RegExp, (f: Faults, n: number, direction: Direction) => void]> = [
  [/^latency (\d+) ms$/, (f, n) => (f.latencyMs = n)],
  [/^jitter (\d+) ms$/, (f, n) => (f.jitterMs = n)],
  [
    /^a reset after (\d+) bytes from (the SUT|the fixture)$/,
    (f, bytes, direction) => (f.resetAfterBytes = { direction, bytes }),
  ],
  [
    /^corruption of byte (\d+) from (the SUT|the fixture)$/,
    (f, atByte, direction) => (f.corrupt = { direction, atByte }),
  ],
  [/^a rate of (\d+) bytes\/s$/, (f, n) => (f.throttleBytesPerSec = n)],
  [
    /^a black hole after (\d+) bytes from (the SUT|the fixture)$/,
    (f, bytes, direction) => (f.blackholeAfterBytes = { direction, bytes }),
  ],
];

/** gtk-gnutella 1.2.3's leaf block (1) for this connection, with or without deflate offered. */
function leafFields(world: ConformanceWorld, peer: FixturePeer, deflate: boolean): Fields {
  const fields = personalise(
    without(GTK.leafRequest, ...NOT_REPLAYED),
    peer.local,
    world.node().ip,
  );
  return deflate ? [...fields, ['Accept-Encoding', 'deflate']] : fields;
}

/** Each raw fixture's local port, which names its connection in the proxy's records after the socket is gone. */
const localPorts = new WeakMap<FixturePeer, number>();

async function connectRaw(world: ConformanceWorld, through: string): Promise<FixturePeer> {
  const peer = await FixturePeer.connect(proxy(world, through).endpoint, 'fixture leaf');
  localPorts.set(peer, peer.local.port);
  world.peers.push(peer);
  world.peer = peer;
  world.block = undefined;
  world.sutCompresses = false;
  world.connectedAt = Date.now();
  return peer;
}

function alivePing(): { guid: Buffer; bytes: Buffer } {
  // Laid out by hand (messages.md §2): GUID, type 0x00, TTL 1, hops 0, length 0.
  const guid = randomBytes(16);
  guid[8] = 0xff;
  guid[15] = 0x00;
  return { guid, bytes: Buffer.concat([guid, Buffer.from([0x00, 0x01, 0x00, 0, 0, 0, 0])]) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ------------------------------------------------------------------ the SUT's container

When('the SUT is paused for {int} second(s)', async function (this: ConformanceWorld, s: number) {
  const node = this.node();
  await node.pause();
  try {
    await sleep(s * 1000);
  } finally {
    await node.unpause();
  }
});

When(
  'the SUT is paused for {int} seconds while {string} sends an alive ping',
  async function (this: ConformanceWorld, s: number, name: string) {
    const node = this.node();
    const peer = this.fixture(name);
    await node.pause();
    let guid: Guid;
    let pongsWhilePaused: number;
    try {
      guid = peer.send(MessageType.Ping, new Uint8Array(), { ttl: 1, hops: 0 });
      await sleep(s * 1000);
      // Counted before the resume: a pong may follow it at once.
      pongsWhilePaused = peer.receivedOf(MessageType.Pong, guid).length;
    } finally {
      await node.unpause();
    }
    this.notes.set('paused ping', { name, guid, pongsWhilePaused, resumedAt: Date.now() });
  },
);

function pausedPing(world: ConformanceWorld) {
  const note = world.notes.get('paused ping') as
    | { name: string; guid: Guid; pongsWhilePaused: number; resumedAt: number }
    | undefined;
  if (!note) throw new Error('no fixture sent an alive ping while the SUT was paused');
  return note;
}

Then(
  '{string} got no pong while the SUT was paused',
  function (this: ConformanceWorld, name: string) {
    const note = pausedPing(this);
    expect(note.name).to.equal(name);
    expect(note.pongsWhilePaused, 'pongs from a paused SUT: was it paused?').to.equal(0);
  },
);

Then(
  '{string} gets the pong to that ping within {int} seconds of the SUT resuming',
  async function (this: ConformanceWorld, name: string, s: number) {
    const note = pausedPing(this);
    const left = note.resumedAt + s * 1000 - Date.now();
    await this.fixture(name).waitForGuid(
      MessageType.Pong,
      note.guid,
      Math.max(1, left),
      'the pong to the ping sent while the SUT was paused (MSG-20)',
    );
  },
);

When('the SUT is disconnected from the network', async function (this: ConformanceWorld) {
  await this.node().disconnect();
});

When('the SUT is reconnected to the network', async function (this: ConformanceWorld) {
  await this.node().reconnect();
});

Then(
  'a connection attempt to the SUT fails within {int} second(s)',
  async function (this: ConformanceWorld, s: number) {
    let peer: FixturePeer | undefined;
    try {
      peer = await FixturePeer.connect(this.node().gnutella, 'probe', s * 1000);
    } catch {
      return;
    }
    peer.close();
    expect.fail(`a TCP connection to the SUT at ${this.node().ip} was accepted`);
  },
);

Given(
  "the SUT's link is throttled to {int} kbit\\/s",
  async function (this: ConformanceWorld, rateKbit: number) {
    const node = this.node();
    await node.throttle({ rateKbit });
    // A node that was stopped or killed took its qdisc with it.
    this.closers.push(() => node.unthrottle().catch(() => {}));
  },
);

// ------------------------------------------------------------------ the fault proxy

Given(
  /^a fault proxy "([^"]+)" in front of the SUT(?: with (.+))?$/,
  async function (this: ConformanceWorld, name: string, text: string | undefined) {
    const network = await this.ensureNetwork();
    const p = await FaultProxy.start({
      // On the gateway: where host-side fixtures and nodes alike can reach it.
      listen: { host: network.gateway },
      upstream: this.node().gnutella,
      faults: text ? parseFaults(text) : {},
    });
    this.notes.set(`fault proxy ${name}`, p);
    this.closers.push(async () => {
      await p.stop();
      this.attach(JSON.stringify(p.connections, null, 1), {
        mediaType: 'application/json',
        fileName: `fault-proxy-${name}.json`,
      });
    });
  },
);

When(
  /^proxy "([^"]+)" switches to (.+)$/,
  function (this: ConformanceWorld, name: string, text: string) {
    proxy(this, name).setFaults(parseFaults(text));
  },
);

When(
  'proxy {string} flips byte {int} of what the fixture sends next',
  function (this: ConformanceWorld, name: string, n: number) {
    // The proxy counts from the connection's first byte; the fixture knows how many it wrote.
    const sent = this.currentPeer().sent.reduce((sum, a) => sum + a.bytes.length, 0);
    const p = proxy(this, name);
    p.setFaults({ ...p.faults, corrupt: { direction: 'up', atByte: sent + n } });
  },
);

When(
  'fixture leaf {string} connects to the SUT through proxy {string}',
  async function (this: ConformanceWorld, name: string, through: string) {
    const started = Date.now();
    const peer = await ScriptedPeer.connect(
      proxy(this, through).endpoint,
      { name, role: 'leaf' },
      THROUGH_PROXY_MS,
    );
    this.notes.set(`handshake ms ${name}`, Date.now() - started);
    this.addFixture(peer);
  },
);

Then(
  "{string} waited at least {int} ms for the SUT's answer to its handshake",
  function (this: ConformanceWorld, name: string, ms: number) {
    const took = this.notes.get(`handshake ms ${name}`) as number | undefined;
    expect(took, `no handshake of "${name}" through a proxy`).to.be.a('number');
    expect(took, 'handshake time through the proxy (ms)').to.be.at.least(ms);
  },
);

When(
  'a fixture leaf connects to the SUT through proxy {string} and sends its handshake',
  async function (this: ConformanceWorld, through: string) {
    const peer = await connectRaw(this, through);
    peer.write(blockText('GNUTELLA CONNECT/0.6', leafFields(this, peer, false)));
    this.sentAt = Date.now();
  },
);

When(
  /^a fixture leaf that (offers|does not offer) deflate connects to the SUT through proxy "([^"]+)" and completes its handshake$/,
  async function (this: ConformanceWorld, offers: string, through: string) {
    const deflate = offers === 'offers';
    const peer = await connectRaw(this, through);
    peer.write(blockText('GNUTELLA CONNECT/0.6', leafFields(this, peer, deflate)));
    const block = await peer.readBlock(THROUGH_PROXY_MS);
    this.block = block;
    this.blockAt = Date.now();
    expect(block.firstLine, 'the SUT did not accept the fixture leaf').to.match(
      /^GNUTELLA\/0\.6 200\b/,
    );
    this.sutCompresses = block.headers.get('Content-Encoding')?.toLowerCase() === 'deflate';
    const sutInflates = block.headers
      .getList('Accept-Encoding')
      .some((v) => v.toLowerCase() === 'deflate');
    if (deflate)
      expect(
        sutInflates,
        'the SUT offers deflate (HS-26), else there is no stream to corrupt',
      ).to.equal(true);
    const fields: Fields = deflate ? [['Content-Encoding', 'deflate']] : [];
    peer.write(blockText('GNUTELLA/0.6 200 OK', fields));
    peer.startMessages({ receive: this.sutCompresses, send: deflate ? { level: 6 } : false });
  },
);

When('the fixture sends an alive ping', function (this: ConformanceWorld) {
  const ping = alivePing();
  this.pingGuid = ping.guid;
  this.currentPeer().sendMessage(ping.bytes);
  this.sentAt = Date.now();
});

Then(
  /^proxy "([^"]+)" reset the fixture's connection after exactly (\d+) bytes from the SUT$/,
  async function (this: ConformanceWorld, name: string, n: string) {
    const peer = this.currentPeer();
    await peer.waitForClose(THROUGH_PROXY_MS);
    const got = peer.inbox.all();
    expect(got.length, 'bytes of the SUT that reached the fixture').to.equal(Number(n));
    expect(got.toString('latin1'), 'the SUT had begun its answer').to.match(/^GNUTELLA\/0\.6 /);
    const p = proxy(this, name);
    const record = await p.waitFor(
      () => {
        const r = p.connectionFrom(localPorts.get(peer) ?? -1);
        return r?.closedAt ? r : undefined;
      },
      5_000,
      `the fixture's connection through "${name}" closed`,
    );
    const reset = record.fired.find((f) => f.fault === 'reset');
    expect(reset, 'the reset fault fired').to.not.equal(undefined);
    expect(reset!.offset, 'offset of the reset').to.equal(Number(n));
    expect(record.sides.client.closed?.how, 'how the fixture side closed').to.equal('reset');
    expect(record.sides.upstream.closed?.how, "how the SUT's side closed").to.equal('reset');
  },
);

Then('proxy {string} corrupted exactly one byte', function (this: ConformanceWorld, name: string) {
  const fired = proxy(this, name).connections.flatMap((c) =>
    c.fired.filter((f) => f.fault === 'corrupt'),
  );
  expect(fired.length, `corruptions: ${JSON.stringify(fired)}`).to.equal(1);
});

Then(
  '{string} gets a pong to an alive ping within {int} second(s)',
  async function (this: ConformanceWorld, name: string, s: number) {
    expect(await this.fixture(name).sync(s * 1000), `"${name}" still connected`).to.equal(
      'answered',
    );
  },
);
