/**
 * Handshake steps (shared/spec/handshake.md section 11). The fixture peer writes
 * exactly the bytes a step names; the assertions read the SUT's raw bytes.
 */
import { randomBytes } from 'node:crypto';
import * as zlib from 'node:zlib';
import { Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import { blockText, FixturePeer } from '../harness/peers/fixture-peer.js';
import { type Fields, loadProfile, personalise, without } from '../harness/peers/profiles.js';
import { AdapterCapabilityError } from '../harness/sut/adapter.js';
import {
  canonicalHeaderName,
  type HeaderBlock,
  HeaderName,
} from '../servent/src/core/handshake/index.js';
import type { ConformanceWorld } from './support/world.js';

const GTK = loadProfile('gtk-gnutella-1.2.3');
/** Headers of the recorded profile that would start TLS or compression we did not ask for. */
const NOT_REPLAYED = ['Upgrade', 'Connection', 'Content-Encoding', 'Accept-Encoding'];
const BOOLEAN_HEADERS = [HeaderName.XUltrapeer, HeaderName.XUltrapeerNeeded, 'X-Requeries'];

interface LeafOptions {
  deflate?: boolean;
  byePacket?: boolean;
}

async function connect(world: ConformanceWorld, name: string): Promise<FixturePeer> {
  const peer = await FixturePeer.connect(world.node().gnutella, name);
  world.peers.push(peer);
  world.peer = peer;
  world.block = undefined;
  world.connectedAt = Date.now();
  return peer;
}

/** gtk-gnutella 1.2.3's leaf block (1), with this connection's addresses. */
function leafFields(world: ConformanceWorld, peer: FixturePeer, options: LeafOptions = {}): Fields {
  let fields = personalise(without(GTK.leafRequest, ...NOT_REPLAYED), peer.local, world.node().ip);
  if (options.byePacket === false) fields = without(fields, 'Bye-Packet');
  if (options.deflate) fields = [...fields, ['Accept-Encoding', 'deflate']];
  return fields;
}

/** gtk-gnutella 1.2.3's ultrapeer header set, as an ultrapeer's block (1) or (2). */
function ultrapeerFields(own: { host: string; port: number }, sutHost: string): Fields {
  return personalise(
    without(GTK.ultrapeerResponse, ...NOT_REPLAYED, 'X-Ultrapeer-Needed'),
    own,
    sutHost,
  );
}

function write(world: ConformanceWorld, bytes: string | Uint8Array): void {
  world.currentPeer().write(bytes);
  world.sentAt = Date.now();
}

async function readSutBlock(world: ConformanceWorld, timeoutMs: number): Promise<HeaderBlock> {
  const block = await world.currentPeer().readBlock(timeoutMs);
  world.block = block;
  world.blockAt = Date.now();
  if (block.headers.get(HeaderName.ContentEncoding)?.toLowerCase() === 'deflate')
    world.sutCompresses = true;
  return block;
}

function alivePing(): { guid: Buffer; bytes: Buffer } {
  // Written byte by byte from messages.md section 2, not with our encoder.
  const guid = randomBytes(16);
  guid[8] = 0xff;
  guid[15] = 0x00;
  return { guid, bytes: Buffer.concat([guid, Buffer.from([0x00, 0x01, 0x00, 0, 0, 0, 0])]) };
}

// ------------------------------------------------------------------ fixture as initiator

When(
  /^(?:a|another) fixture leaf(?: that (accepts|does not accept) deflate)? connects to the SUT and sends its handshake( without the final empty line)?$/,
  async function (
    this: ConformanceWorld,
    deflate: string | undefined,
    partial: string | undefined,
  ) {
    const peer = await connect(this, 'fixture leaf');
    const text = blockText(
      'GNUTELLA CONNECT/0.6',
      leafFields(this, peer, { deflate: deflate === 'accepts' }),
    );
    write(this, partial ? text.slice(0, -2) : text);
  },
);

When(
  'a fixture leaf connects to the SUT and sends its handshake with the first line {string}',
  async function (this: ConformanceWorld, firstLine: string) {
    const peer = await connect(this, 'fixture leaf');
    write(this, blockText(firstLine, leafFields(this, peer)));
  },
);

When(
  /^a fixture leaf that (announces|does not announce) Bye-Packet has completed a handshake with the SUT$/,
  async function (this: ConformanceWorld, announces: string) {
    await completeLeafHandshake(this, { byePacket: announces === 'announces' });
  },
);

When(
  'a fixture leaf has completed a handshake with the SUT',
  async function (this: ConformanceWorld) {
    await completeLeafHandshake(this, {});
  },
);

async function completeLeafHandshake(world: ConformanceWorld, options: LeafOptions): Promise<void> {
  const peer = await connect(world, 'fixture leaf');
  write(world, blockText('GNUTELLA CONNECT/0.6', leafFields(world, peer, options)));
  const block = await readSutBlock(world, 5_000);
  expect(block.firstLine, 'the SUT did not accept the fixture leaf').to.match(
    /^GNUTELLA\/0\.6 200 /,
  );
  world.sutCompresses = false;
  peer.startMessages({ receive: false, send: false });
  write(world, blockText('GNUTELLA/0.6 200 OK', []));
}

When(
  'a fixture connects to the SUT and sends a handshake with the header {string}',
  async function (this: ConformanceWorld, line: string) {
    await connect(this, 'fixture');
    const at = line.indexOf(':');
    const given = [line.slice(0, at), line.slice(at + 1).trim()] as const;
    const role: Fields = /ultrapeer/i.test(given[0]) ? [] : [['X-Ultrapeer', 'False']];
    write(
      this,
      blockText('GNUTELLA CONNECT/0.6', [['User-Agent', 'FixturePeer/0.1'], ...role, given]),
    );
  },
);

When(
  'a fixture ultrapeer connects to the SUT and sends a handshake with bare LF endings and {string} continued on a second line',
  async function (this: ConformanceWorld, header: string) {
    const peer = await connect(this, 'fixture ultrapeer');
    const fields = without(ultrapeerFields(peer.local, this.node().ip), header);
    const lines = [
      'GNUTELLA CONNECT/0.6',
      ...fields.map(([n, v]) => `${n}: ${v}`),
      `${header}:`,
      '\tTrue',
      '',
      '',
    ];
    write(this, lines.join('\n'));
  },
);

When(
  'a fixture connects to the SUT and sends {string}',
  async function (this: ConformanceWorld, text: string) {
    await connect(this, 'fixture');
    write(this, text.replace(/\\n/g, '\n').replace(/\\r/g, '\r'));
  },
);

const MALFORMED: Record<string, () => string> = {
  'a block whose first line is garbled': () =>
    blockText('GNUTELLA CONNECT/zero.six', [['X-Ultrapeer', 'False']]),
  'a block with a 2000-byte header line': () =>
    blockText('GNUTELLA CONNECT/0.6', [
      ['X-Ultrapeer', 'False'],
      ['X-Filler', 'a'.repeat(2000)],
    ]),
  'a block of 300 header lines': () =>
    blockText('GNUTELLA CONNECT/0.6', [
      ['X-Ultrapeer', 'False'],
      ...Array.from({ length: 300 }, (_, i) => [`X-Filler-${i}`, 'x'] as const),
    ]),
  '20 KiB of headers without an empty line': () =>
    `GNUTELLA CONNECT/0.6\r\n${Array.from({ length: 256 }, (_, i) => `X-Filler-${i}: ${'b'.repeat(70)}\r\n`).join('')}`,
};

When(
  /^a fixture connects to the SUT and sends (a block whose first line is garbled|a block with a 2000-byte header line|a block of 300 header lines|20 KiB of headers without an empty line)$/,
  async function (this: ConformanceWorld, which: string) {
    await connect(this, 'fixture');
    write(this, MALFORMED[which]!());
  },
);

When('the fixture sends the final empty line', function (this: ConformanceWorld) {
  write(this, '\r\n');
});

When(
  'the fixture sends block \\(3) and an alive ping in one segment',
  function (this: ConformanceWorld) {
    const peer = this.currentPeer();
    peer.startMessages({ receive: false, send: false });
    const ping = alivePing();
    this.pingGuid = ping.guid;
    write(
      this,
      Buffer.concat([Buffer.from(blockText('GNUTELLA/0.6 200 OK', []), 'latin1'), ping.bytes]),
    );
  },
);

When(
  'the fixture confirms with deflate and sends an alive ping compressed with window bits {int} and level {int}',
  function (this: ConformanceWorld, windowBits: number, level: number) {
    write(this, blockText('GNUTELLA/0.6 200 OK', [['Content-Encoding', 'deflate']]));
    sendCompressedPing(this, windowBits, level);
  },
);

When(
  'the fixture sends an alive ping compressed with window bits {int} and level {int}',
  function (this: ConformanceWorld, windowBits: number, level: number) {
    sendCompressedPing(this, windowBits, level);
  },
);

function sendCompressedPing(world: ConformanceWorld, windowBits: number, level: number): void {
  const peer = world.currentPeer();
  const before = peer.sent.length;
  peer.startMessages({ receive: world.sutCompresses, send: { windowBits, level } });
  const ping = alivePing();
  world.pingGuid = ping.guid;
  peer.sendMessage(ping.bytes);
  // The stream must really start with the header this example is about (CINFO = window bits - 8).
  const expected = zlib.deflateSync(Buffer.alloc(0), { windowBits, level }).subarray(0, 2);
  world.expectedFixtureStreamHead = expected;
  world.fixtureStreamFrom = before;
}

// ------------------------------------------------------------------ SUT as responder

Then(
  /^the SUT answers within (\d+) seconds? with status (not )?(\d+)$/,
  async function (this: ConformanceWorld, s: string, not: string | undefined, code: string) {
    const block = await readSutBlock(this, Number(s) * 1000);
    expect(this.blockAt - this.sentAt, 'time to answer (ms)').to.be.at.most(Number(s) * 1000);
    const status = block.firstLine.match(/^GNUTELLA\/0\.6 (\d{3}) (.+)$/);
    expect(
      status,
      `status line "${block.firstLine}" is not GNUTELLA/0.6, three digits, a space and a reason (HS-2)`,
    ).to.not.equal(null);
    if (not) expect(status![1], block.firstLine).to.not.equal(String(code));
    else expect(status![1], block.firstLine).to.equal(String(code));
  },
);

Then(
  'the SUT answers within {int} seconds with a {string} status line',
  async function (this: ConformanceWorld, s: number, prefix: string) {
    const block = await readSutBlock(this, s * 1000);
    expect(block.firstLine.startsWith(`${prefix} `), `"${block.firstLine}"`).to.equal(true);
    expect(block.firstLine).to.match(/^GNUTELLA\/0\.6 \d{3} \S/);
  },
);

Then('the SUT refuses with a status other than 200', async function (this: ConformanceWorld) {
  const block = await readSutBlock(this, 5_000);
  expect(block.firstLine).to.match(/^GNUTELLA\/0\.6 \d{3} /);
  expect(block.firstLine.slice(13, 16), block.firstLine).to.not.equal('200');
});

Then(
  "the SUT's block says {string} is {string}",
  function (this: ConformanceWorld, name: string, value: string) {
    expect(this.lastBlock().headers.get(name), `${name} in the SUT's block`).to.equal(value);
  },
);

Then("the SUT's block has a {string} header", function (this: ConformanceWorld, name: string) {
  expect(this.lastBlock().headers.get(name), `${name} in the SUT's block`)
    .to.be.a('string')
    .and.not.equal('');
});

Then("the SUT's block has no {string} header", function (this: ConformanceWorld, name: string) {
  expect(this.lastBlock().headers.has(name), `${name} in the SUT's block`).to.equal(false);
});

Then("the SUT's block offers deflate in {string}", function (this: ConformanceWorld, name: string) {
  const values = this.lastBlock()
    .headers.getList(name)
    .map((v) => v.toLowerCase());
  expect(values, `${name} in the SUT's block`).to.include('deflate');
});

Then(
  "the SUT's block gives the fixture's address in {string}",
  function (this: ConformanceWorld, name: string) {
    expect(this.lastBlock().headers.get(name), `${name} (no port, HS-21)`).to.equal(
      this.currentPeer().local.host,
    );
  },
);

Then(
  "the SUT's block gives its own address and port in {string}",
  function (this: ConformanceWorld, name: string) {
    expect(this.lastBlock().headers.get(name), name).to.equal(
      `${this.node().ip}:${this.sut.gnutellaPort}`,
    );
  },
);

Then(
  'every header line the SUT wrote is canonical, unique, under 1024 bytes and at most 30 lines',
  function (this: ConformanceWorld) {
    const block = this.lastBlock();
    const lines = Buffer.from(block.raw).toString('latin1').split('\r\n').slice(1, -2);
    expect(lines.length, 'header lines (HS-10)').to.be.at.most(30);
    const seen = new Set<string>();
    for (const line of lines) {
      expect(
        Buffer.byteLength(line, 'latin1') + 2,
        `line length: ${line.slice(0, 60)}`,
      ).to.be.below(1024);
      expect(line, 'no continuation lines (HS-10)').to.match(/^[^ \t]/);
      const m = line.match(/^([^:]+): (\S.*)$/);
      expect(m, `"${line}": no space before ':', one after (HS-8)`).to.not.equal(null);
      const name = m![1]!;
      expect(name, 'canonical spelling (HS-8)').to.equal(canonicalHeaderName(name));
      expect(seen.has(name.toLowerCase()), `${name} written twice (HS-10)`).to.equal(false);
      seen.add(name.toLowerCase());
    }
  },
);

Then(
  'every boolean the SUT wrote is {string} or {string}',
  function (this: ConformanceWorld, yes: string, no: string) {
    for (const name of BOOLEAN_HEADERS) {
      const value = this.lastBlock().headers.get(name);
      if (value !== undefined) expect([yes, no], `${name}: ${value}`).to.include(value);
    }
  },
);

Then(
  'the SUT sends nothing for {int} second(s)',
  async function (this: ConformanceWorld, seconds: number) {
    const peer = this.currentPeer();
    const before = peer.inbox.all().length;
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const extra = peer.inbox.all().subarray(before);
    expect(
      extra.length,
      `the SUT sent ${extra.length} bytes: ${extra.subarray(0, 40).toString('hex')}`,
    ).to.equal(0);
  },
);

Then(
  "the SUT's first bytes after the handshake are an uncompressed message header",
  async function (this: ConformanceWorld) {
    const head = await this.currentPeer().streamBytes(23, 5_000);
    expect(head.length, 'bytes after the handshake').to.equal(23);
    // Read by hand (messages.md section 2): type at 16, TTL 17, hops 18, payload length u32le at 19.
    expect(
      [0x00, 0x01, 0x02, 0x30, 0x31, 0x32, 0x40, 0x80, 0x81],
      `message type 0x${head[16]!.toString(16)}`,
    ).to.include(head[16]);
    expect(head.readUInt32LE(19), 'payload length').to.be.at.most(65_536);
  },
);

Then(
  'the SUT answers the alive ping with a pong within {int} second(s)',
  async function (this: ConformanceWorld, seconds: number) {
    const guid = this.pingGuid;
    expect(guid, 'no ping was sent in this scenario').to.not.equal(undefined);
    const pong = await this.currentPeer().nextMessage(
      (m) => m.header.type === 0x01 && Buffer.from(m.header.guid).equals(guid!),
      seconds * 1000,
      'a pong with the ping GUID',
    );
    expect(pong.header.hops, 'pong hops (MSG-16)').to.equal(0);
    expect(pong.header.ttl, 'pong TTL (MSG-16)').to.be.at.least(1);
    expect(pong.payload.length, 'pong payload (MSG-23)').to.be.at.least(14);
    if (this.expectedFixtureStreamHead) {
      // The pong proves the ping was inflated: check it was sent with the header this example is about.
      const ours = Buffer.concat(
        this.currentPeer()
          .sent.slice(this.fixtureStreamFrom)
          .map((a) => a.bytes),
      );
      expect(ours.subarray(0, 2).toString('hex'), "the fixture's own zlib header").to.equal(
        this.expectedFixtureStreamHead.toString('hex'),
      );
    }
  },
);

Then(
  "the SUT's stream after the handshake starts with a zlib header",
  async function (this: ConformanceWorld) {
    const [cmf, flg] = await this.currentPeer().streamBytes(2, 5_000);
    // A zlib (RFC 1950) header, not raw deflate or gzip. HS-22 in the digest names 0x78 (a 32 KiB
    // window), but its own §7 has gtk-gnutella ultrapeers send 68 81 (16 KiB) to leaves, and every
    // inflater must take any window up to 32 KiB (HS-24): any valid header passes.
    expect(cmf! & 0x0f, 'compression method 8, deflate (RFC 1950)').to.equal(8);
    expect(cmf! >> 4, 'window of at most 32 KiB (RFC 1950 CINFO ≤ 7)').to.be.at.most(7);
    expect(((cmf! << 8) | flg!) % 31, 'zlib header check bits (RFC 1950)').to.equal(0);
    expect(flg! & 0x20, 'no preset dictionary').to.equal(0);
  },
);

Then(
  'within {int} seconds the SUT either answers exactly {string} or closes the connection',
  async function (this: ConformanceWorld, s: number, exact: string) {
    const want = Buffer.from(exact.replace(/\\n/g, '\n'), 'latin1');
    const peer = this.currentPeer();
    await peer.inbox.waitFor(
      (p, ended) => (ended || p.length >= want.length ? true : undefined),
      s * 1000,
      'an answer or a close',
    );
    const got = peer.inbox.all();
    expect(got.toString('latin1'), 'never a 0.6 status line to a 0.4 peer (HS-15)').to.not.include(
      'GNUTELLA/0.6',
    );
    if (got.length > 0)
      expect(got.subarray(0, want.length).toString('latin1')).to.equal(want.toString('latin1'));
  },
);

Then(
  "the SUT's refusal names the fixture ultrapeer in {string}",
  function (this: ConformanceWorld, name: string) {
    const { host, port } = this.listener('fixture ultrapeer').endpoint;
    expect(this.lastBlock().headers.getList(name), name).to.include(`${host}:${port}`);
  },
);

Then(
  "the SUT's refusal names between {int} and {int} hosts in {string}",
  function (this: ConformanceWorld, min: number, max: number, name: string) {
    const hosts = this.lastBlock().headers.getList(name);
    expect(hosts.length, `${name}: ${hosts.join(', ')}`).to.be.within(min, max);
    for (const h of hosts) expect(h, 'ip:port').to.match(/^\d+\.\d+\.\d+\.\d+:\d+$/);
  },
);

Then(
  'the SUT closes the connection within {int} seconds',
  async function (this: ConformanceWorld, s: number) {
    await this.currentPeer().waitForClose(s * 1000);
  },
);

Then(
  'the SUT does not accept, and closes the connection within {int} seconds',
  async function (this: ConformanceWorld, s: number) {
    const peer = this.currentPeer();
    await peer.waitForClose(s * 1000);
    expect(peer.inbox.all().toString('latin1'), 'the SUT accepted').to.not.match(
      /^GNUTELLA\/0\.6 200/,
    );
  },
);

Then(
  /^the SUT closes the connection within (\d+) seconds, (its last message a Bye|having sent no Bye)$/,
  async function (this: ConformanceWorld, s: string, which: string) {
    const peer = this.currentPeer();
    await peer.waitForClose(Number(s) * 1000);
    await new Promise((resolve) => setImmediate(resolve));
    const byes = peer.messages.filter((m) => m.header.type === 0x02);
    if (which === 'having sent no Bye') {
      expect(byes.length, 'Bye sent to a peer without Bye-Packet (HS-27)').to.equal(0);
      return;
    }
    const last = peer.messages.at(-1);
    expect(last?.header.type, 'last message type (MSG-34)').to.equal(0x02);
    expect([last!.header.ttl, last!.header.hops], 'Bye TTL and hops (MSG-34)').to.deep.equal([
      1, 0,
    ]);
    const code = Buffer.from(last!.payload).readUInt16LE(0);
    expect(code, 'Bye code').to.be.within(200, 299);
  },
);

// ------------------------------------------------------------------ SUT as initiator

Then(
  /^the fixture ultrapeer receives a connection from the SUT within (\d+) seconds$/,
  async function (this: ConformanceWorld, s: string) {
    const peer = await this.listener('fixture ultrapeer').accept(Number(s) * 1000);
    this.peers.push(peer);
    this.peer = peer;
    this.connectedAt = Date.now();
    await readSutBlock(this, Number(s) * 1000);
  },
);

Then(
  "the SUT's block \\(1) starts with exactly {string} and every line ends with CRLF",
  function (this: ConformanceWorld, first: string) {
    const raw = Buffer.from(this.lastBlock().raw).toString('latin1');
    expect(
      raw.startsWith(`${first}\r\n`),
      `block (1) starts: ${JSON.stringify(raw.slice(0, 30))}`,
    ).to.equal(true);
    expect(raw.endsWith('\r\n\r\n'), 'block ends with an empty line').to.equal(true);
    expect(raw.replace(/\r\n/g, ''), 'bare CR or LF in block (1) (HS-1)').to.not.match(/[\r\n]/);
  },
);

When(
  /^the fixture ultrapeer accepts with status 200( and deflate)?$/,
  function (this: ConformanceWorld, deflate: string | undefined) {
    const peer = this.currentPeer();
    const fields: Fields = [
      ...ultrapeerFields(peer.local, this.node().ip),
      ['Accept-Encoding', 'deflate'],
    ];
    if (deflate) fields.push(['Content-Encoding', 'deflate']);
    write(this, blockText('GNUTELLA/0.6 200 OK', fields));
  },
);

When(
  /^the fixture ultrapeer refuses with status (\d{3} .+)$/,
  function (this: ConformanceWorld, status: string) {
    write(
      this,
      blockText(`GNUTELLA/0.6 ${status}`, [
        ['User-Agent', 'FixtureUltrapeer/0.1'],
        ['X-Ultrapeer', 'True'],
      ]),
    );
    this.refusedAtBytes = this.currentPeer().inbox.all().length;
  },
);

When(
  'the fixture ultrapeer refuses, listing the {int} others in an {string} header folded over several lines',
  function (this: ConformanceWorld, n: number, name: string) {
    const hosts = Array.from(
      { length: n },
      (_, i) => this.listener(`other ultrapeer ${i + 1}`).endpoint,
    ).map((e) => `${e.host}:${e.port}`);
    // One host per physical line, continued with HT and SP as gtk-gnutella folds long values.
    const folded = hosts.map((h, i) => (i === 0 ? h : `${i % 2 ? '\t' : ' '}${h}`)).join(',\r\n');
    write(
      this,
      `GNUTELLA/0.6 503 Too many ultra connections\r\nUser-Agent: FixtureUltrapeer/0.1\r\nX-Ultrapeer: True\r\n${name}: ${folded}\r\n\r\n`,
    );
    this.refusedAtBytes = this.currentPeer().inbox.all().length;
  },
);

Then(
  /^the SUT confirms with "([^"]+)" within (\d+) seconds of connecting$/,
  async function (this: ConformanceWorld, prefix: string, s: string) {
    const left = this.connectedAt + Number(s) * 1000 - Date.now();
    const block = await readSutBlock(this, Math.max(1, left));
    expect(block.firstLine.startsWith(`${prefix} `), `block (3): "${block.firstLine}"`).to.equal(
      true,
    );
  },
);

Then(
  'the SUT closes the connection within {int} seconds without sending anything more',
  async function (this: ConformanceWorld, s: number) {
    const peer = this.currentPeer();
    await peer.waitForClose(s * 1000);
    const extra = peer.inbox.all().subarray(this.refusedAtBytes);
    expect(
      extra.length,
      `bytes after our refusal (HS-4): ${extra.subarray(0, 40).toString('latin1')}`,
    ).to.equal(0);
  },
);

Then(
  'each of the {int} other fixture ultrapeers receives a connection from the SUT within {int} seconds',
  async function (this: ConformanceWorld, n: number, s: number) {
    const deadline = Date.now() + s * 1000;
    for (let i = 1; i <= n; i++) {
      const peer = await this.listener(`other ultrapeer ${i}`).accept(
        Math.max(1, deadline - Date.now()),
      );
      this.peers.push(peer);
      const block = await peer.readBlock(Math.max(1, deadline - Date.now()));
      expect(block.firstLine).to.equal('GNUTELLA CONNECT/0.6');
    }
  },
);

When(
  'the fixture ultrapeer accepts with status 200 and X-Max-TTL {int}',
  function (this: ConformanceWorld, maxTtl: number) {
    const peer = this.currentPeer();
    const fields: Fields = [
      ...without(ultrapeerFields(peer.local, this.node().ip), 'X-Max-TTL'),
      ['X-Max-TTL', String(maxTtl)],
    ];
    write(this, blockText('GNUTELLA/0.6 200 OK', fields));
  },
);

When(
  'the SUT is asked to search for {string}',
  async function (this: ConformanceWorld, text: string) {
    const node = this.node();
    if (!this.sut.search || !node.control)
      throw new AdapterCapabilityError(this.sut.name, 'start a search');
    await this.sut.search(node.control, text);
  },
);

Then(
  "the fixture ultrapeer receives the SUT's query for {string} with hops 0 and TTL at most {int} within {int} seconds",
  async function (this: ConformanceWorld, text: string, maxTtl: number, seconds: number) {
    const peer = this.currentPeer();
    peer.startMessages({ receive: this.sutCompresses, send: false });
    const query = await peer.nextMessage((m) => m.header.type === 0x80, seconds * 1000, 'a query');
    // Criteria read by hand (messages.md §9): 2 flag bytes, then text up to NUL.
    const payload = Buffer.from(query.payload);
    const criteria = payload.subarray(2, payload.indexOf(0, 2)).toString('utf8');
    expect(criteria.toLowerCase(), 'criteria').to.equal(text.toLowerCase());
    expect(query.header.hops, 'a fresh query has hops 0 (RT-8)').to.equal(0);
    expect(query.header.ttl, `TTL against X-Max-TTL ${maxTtl} (HS-28)`).to.be.within(1, maxTtl);
  },
);

When(
  'the SUT is told to connect to that fixture ultrapeer',
  async function (this: ConformanceWorld) {
    const node = this.node();
    if (!this.sut.connect || !node.control)
      throw new AdapterCapabilityError(this.sut.name, 'dial a given peer');
    await this.sut.connect(node.control, this.listener('fixture ultrapeer').endpoint);
  },
);

When(
  'the fixture ultrapeer accepts with status 200 and {string}',
  function (this: ConformanceWorld, line: string) {
    const peer = this.currentPeer();
    const at = line.indexOf(':');
    const [name, value] = [line.slice(0, at), line.slice(at + 1).trim()];
    const fields: Fields = [
      ...without(ultrapeerFields(peer.local, this.node().ip), name),
      [name, value],
    ];
    write(this, blockText('GNUTELLA/0.6 200 OK', fields));
  },
);

Then(
  "the SUT's block does not say {string} is {string}",
  function (this: ConformanceWorld, name: string, value: string) {
    expect(
      this.lastBlock().headers.get(name)?.toLowerCase(),
      `${name} in the SUT's block`,
    ).to.not.equal(value.toLowerCase());
  },
);
