/**
 * Routing steps (ultrapeers-and-routing.md §5–§7, messages.md §4–§11, qrp.md
 * §8): scripted fixture leaves and ultrapeers around the SUT, the queries,
 * hits and pushes they send, and who receives which copy.
 */
import { type DataTable, Given, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import { eqhdByHand, readHitByHand } from '../harness/oracle/query-hit.js';
import { nameWords } from '../harness/oracle/route-table.js';
import { FixturePeer } from '../harness/peers/fixture-peer.js';
import {
  type Decoded,
  freshGuid,
  type PeerRole,
  ScriptedPeer,
  type SentQuery,
} from '../harness/peers/scripted-peer.js';
import { parseTableSpec, tableFor } from '../harness/peers/table-spec.js';
import { copiesOf, nameList, quietAfter } from '../harness/routing/observe.js';
import { waitForTableTaken } from '../harness/routing/readiness.js';
import { base32, type ShareFile, shareSet } from '../harness/shares/share-set.js';
import type { ReportedStats } from '../harness/sut/adapter.js';
import {
  encodeMessage,
  encodePush,
  extensionSha1s,
  type Guid,
  guidToHex,
  MessageType,
  type QueryHit,
} from '../servent/src/core/wire/index.js';
import { eventually } from './support/eventually.js';
import type { ConformanceWorld } from './support/world.js';

/** How long a copy that must arrive may take. */
const ARRIVAL_MS = 5_000;
/** How long the SUT may take to take a table, or to answer a query from its library. */
const TABLE_MS = 15_000;
const ANSWER_MS = 10_000;

// ------------------------------------------------------------------ helpers

const files = (text: string): ShareFile[] => shareSet(text.split(',').map((s) => s.trim()));

async function connectFixture(
  world: ConformanceWorld,
  name: string,
  role: PeerRole,
  options: { upQrp?: boolean; library?: ShareFile[] } = {},
): Promise<ScriptedPeer> {
  const peer = await ScriptedPeer.connect(world.node().gnutella, { name, role, ...options });
  return world.addFixture(peer);
}

function prober(world: ConformanceWorld): ScriptedPeer | undefined {
  return [...world.fixtures.values()].find((f) => f.role === 'ultrapeer');
}

async function tableTaken(world: ConformanceWorld, name: string): Promise<void> {
  await waitForTableTaken({
    sut: world.sut,
    control: world.node().control,
    peer: world.fixture(name),
    prober: prober(world),
    timeoutMs: TABLE_MS,
  });
}

/** `that query` or `query "q1"`. */
function queryRef(world: ConformanceWorld, ref: string): SentQuery {
  const m = ref.match(/^query "([^"]+)"$/);
  return world.query(m ? m[1] : undefined);
}

const QUERY_REF = '(that query|query "[^"]+")';

function sutShare(world: ConformanceWorld, name: string): ShareFile {
  const f = (world.shares.get('sut') ?? []).find((s) => s.name === name);
  if (!f) throw new Error(`the SUT does not share "${name}" in this scenario`);
  return f;
}

/** The fixtures a step names, or all of them. */
function fixtures(world: ConformanceWorld): ScriptedPeer[] {
  return [...world.fixtures.values()];
}

async function receivesCopy(
  world: ConformanceWorld,
  name: string,
  query: SentQuery,
): Promise<Decoded> {
  const copy = await world
    .fixture(name)
    .waitForGuid(MessageType.Query, query.guid, ARRIVAL_MS, `a copy of query "${query.criteria}"`);
  world.sign();
  return copy;
}

function hitsAt(peer: ScriptedPeer, guid: Guid): Decoded[] {
  return peer.receivedOf(MessageType.QueryHit, guid);
}

function hitOf(m: Decoded): QueryHit {
  if (m.body?.kind !== 'query-hit')
    throw new Error(`the core codec cannot read the SUT's query hit: ${m.error}`);
  return m.body.hit;
}

// ------------------------------------------------------------------ fixtures around an ultrapeer SUT

Given(
  'fixture ultrapeers {string} and {string} are connected to the SUT',
  async function (this: ConformanceWorld, a: string, b: string) {
    await Promise.all([a, b].map((n) => connectFixture(this, n, 'ultrapeer')));
  },
);

Given(
  'fixture ultrapeer {string} is connected to the SUT',
  async function (this: ConformanceWorld, name: string) {
    await connectFixture(this, name, 'ultrapeer');
  },
);

Given(
  'fixture ultrapeer {string} that does not advertise {string} is connected to the SUT',
  async function (this: ConformanceWorld, name: string, header: string) {
    expect(header, 'the only header a fixture ultrapeer can leave out').to.equal(
      'X-Ultrapeer-Query-Routing',
    );
    await connectFixture(this, name, 'ultrapeer', { upQrp: false });
  },
);

Given(
  'fixture leaves have connected to the SUT and sent these tables:',
  async function (this: ConformanceWorld, table: DataTable) {
    await Promise.all(
      table.hashes().map(async (row) => {
        const library = files(row.shares!);
        const peer = await connectFixture(this, row.leaf!, 'leaf', { library });
        const spec = parseTableSpec(row.table);
        peer.sendTable(tableFor(library, spec), spec.patch);
      }),
    );
  },
);

Given(
  'fixture leaf {string} has connected to the SUT and sent a table for {string}',
  async function (this: ConformanceWorld, name: string, shares: string) {
    const library = files(shares);
    const peer = await connectFixture(this, name, 'leaf', { library });
    const spec = parseTableSpec(undefined);
    peer.sendTable(tableFor(library, spec), spec.patch);
  },
);

Given(
  /^fixture leaf "([^"]+)" has connected to the SUT and sent (no table|a RESET alone|a RESET and the first of 2 PATCH messages|a whole table, then a new RESET) for "([^"]+)"$/,
  async function (this: ConformanceWorld, name: string, state: string, shares: string) {
    const library = files(shares);
    const peer = await connectFixture(this, name, 'leaf', { library });
    const spec = parseTableSpec(undefined);
    const table = tableFor(library, spec);
    const whole = peer.tableUpdates(table, spec.patch);
    switch (state) {
      case 'no table':
        break;
      case 'a RESET alone':
        peer.sendUpdates(whole.slice(0, 1));
        break;
      case 'a RESET and the first of 2 PATCH messages': {
        const data = whole
          .slice(1)
          .reduce((n, u) => n + (u.variant === 'patch' ? u.data.length : 0), 0);
        const halves = peer.tableUpdates(table, { ...spec.patch, chunkBytes: Math.ceil(data / 2) });
        expect(halves.length, 'RESET and 2 PATCH messages').to.equal(3);
        peer.sendUpdates(halves.slice(0, 2));
        break;
      }
      case 'a whole table, then a new RESET':
        peer.sendUpdates(whole);
        peer.table = table;
        await tableTaken(this, name);
        peer.sendUpdates(whole.slice(0, 1));
        break;
    }
    expect(await peer.sync(), `"${name}" still connected after its table messages`).to.equal(
      'answered',
    );
  },
);

Given(
  /^the SUT has taken the tables? of (.+)$/,
  async function (this: ConformanceWorld, names: string) {
    await Promise.all(nameList(names).map((n) => tableTaken(this, n)));
  },
);

Given(
  '{string} has sent the SUT a table for {string}',
  async function (this: ConformanceWorld, name: string, shares: string) {
    const peer = this.fixture(name);
    const spec = parseTableSpec(undefined);
    peer.sendTable(tableFor(files(shares), spec), spec.patch);
  },
);

// ------------------------------------------------------------------ fixtures around a leaf SUT

Given(
  /^fixture ultrapeers? (.+) (?:is|are) listening$/,
  async function (this: ConformanceWorld, names: string) {
    const network = await this.ensureNetwork();
    for (const name of nameList(names))
      this.listeners.set(name, await FixturePeer.listen(network.gateway, name));
  },
);

Given(
  /^the SUT runs as a leaf connected to (.+), sharing:$/,
  async function (this: ConformanceWorld, names: string, table: DataTable) {
    const library = shareSet(table.hashes().map((r) => r.file!));
    const peers = nameList(names).map((n) => this.listener(n).endpoint);
    await this.startNode('sut', { mode: 'leaf', peers }, library);
  },
);

async function acceptSut(world: ConformanceWorld, name: string): Promise<ScriptedPeer> {
  const peer = await ScriptedPeer.accept(world.listener(name), { name, role: 'ultrapeer' }, 15_000);
  return world.addFixture(peer);
}

When('{string} accepts the SUT', async function (this: ConformanceWorld, name: string) {
  await acceptSut(this, name);
});

Given(
  /^(.+) (?:has|have) accepted the SUT and received its QRP table$/,
  async function (this: ConformanceWorld, names: string) {
    await Promise.all(
      nameList(names).map(async (name) => {
        const peer = await acceptSut(this, name);
        await peer.waitFor(
          (m) => completesTable(peer, m),
          30_000,
          'a RESET and a complete PATCH sequence',
        );
      }),
    );
    await librarySettled(this);
  },
);

/** True once the messages up to `m` hold a RESET followed by a complete PATCH sequence. */
function completesTable(peer: ScriptedPeer, m: Decoded): boolean {
  if (m.body?.kind !== 'route-table-update' || m.body.update.variant !== 'patch') return false;
  const { seqNo, seqSize } = m.body.update;
  if (seqNo !== seqSize) return false;
  return peer
    .receivedOf(MessageType.RouteTableUpdate)
    .some((r) => r.body?.kind === 'route-table-update' && r.body.update.variant === 'reset');
}

/** Where the adapter can list the SUT's library, wait until every shared file has its SHA-1. */
async function librarySettled(world: ConformanceWorld): Promise<void> {
  const { shares } = world.sut;
  const control = world.node().control;
  const expected = world.shares.get('sut') ?? [];
  if (!shares || !control || expected.length === 0) return;
  await eventually(TABLE_MS, 'the SUT listing every shared file with its SHA-1', async () => {
    const listed = await shares.call(world.sut, control);
    const hashed = expected.filter((f) =>
      listed.some((l) => l.name === f.name && l.sha1 !== undefined),
    );
    return hashed.length === expected.length ? undefined : `listed: ${JSON.stringify(listed)}`;
  });
}

// ------------------------------------------------------------------ sending

When(
  /^"([^"]+)" sends (?:query "([^"]+)" |a query )for "([^"]*)" with TTL (\d+) and hops (\d+)$/,
  function (
    this: ConformanceWorld,
    name: string,
    label: string | null,
    criteria: string,
    ttl: string,
    hops: string,
  ) {
    const q = this.fixture(name).sendQuery({ criteria, ttl: Number(ttl), hops: Number(hops) });
    this.rememberQuery(q, label ?? undefined);
  },
);

When(
  '{string} sends query {string} for the SHA-1 of {string} with TTL {int} and hops {int}',
  function (
    this: ConformanceWorld,
    name: string,
    label: string,
    file: string,
    ttl: number,
    hops: number,
  ) {
    const q = this.fixture(name).sendQuery({
      criteria: '\\',
      urns: [sutShare(this, file).urn],
      ttl,
      hops,
    });
    this.rememberQuery(q, label);
  },
);

When(
  '{string} sends that query again with TTL {int} and hops {int}',
  function (this: ConformanceWorld, name: string, ttl: number, hops: number) {
    const first = this.query();
    this.fixture(name).sendQuery({ criteria: first.criteria, guid: first.guid, ttl, hops });
  },
);

When(
  /^the SUT has read everything (.+) sent$/,
  async function (this: ConformanceWorld, names: string) {
    for (const name of nameList(names))
      expect(await this.fixture(name).sync(), `"${name}" still connected`).to.equal('answered');
    this.sign();
  },
);

When(
  /^"([^"]+)" answers query "([^"]+)" with a hit of TTL (\d+)$/,
  async function (this: ConformanceWorld, name: string, label: string, ttl: string) {
    const q = this.query(label);
    await receivesCopy(this, name, q);
    this.fixture(name).sendHit({ guid: q.guid, ttl: Number(ttl) });
  },
);

When(
  '{string} sends a hit of TTL {int} for a GUID no query carried',
  async function (this: ConformanceWorld, name: string, ttl: number) {
    const stats = this.sut.stats;
    const control = this.node().control;
    if (stats && control) this.notes.set('drops before', await stats.call(this.sut, control));
    const stray = freshGuid();
    this.notes.set('stray hit', stray);
    this.fixture(name).sendHit({ guid: stray, ttl });
  },
);

When(
  '{string} sends Hops Flow {int} and the SUT has read it',
  async function (this: ConformanceWorld, name: string, hops: number) {
    const peer = this.fixture(name);
    this.notes.set('hops flow', peer.sendHopsFlow(hops));
    expect(await peer.sync(), `"${name}" still connected after Hops Flow`).to.equal('answered');
  },
);

When(
  /^"([^"]+)" sends a message of type 0x([0-9a-f]{2}) with a (\d+)-byte payload and a query for "([^"]+)" with TTL (\d+) and hops (\d+), in one segment$/,
  function (
    this: ConformanceWorld,
    name: string,
    type: string,
    length: string,
    criteria: string,
    ttl: string,
    hops: string,
  ) {
    const peer = this.fixture(name);
    const odd = freshGuid();
    this.notes.set(`type 0x${type}`, odd);
    const unknown = encodeMessage(
      { guid: odd, type: Number.parseInt(type, 16), ttl: 3, hops: 0 },
      Buffer.alloc(Number(length), 0x55),
    );
    const { bytes, query: q } = peer.buildQuery({ criteria, ttl: Number(ttl), hops: Number(hops) });
    peer.sendBytes(Buffer.concat([unknown, bytes]));
    this.rememberQuery(q);
  },
);

When(
  '{string} sends a push for file {int} of {string} with TTL {int}',
  function (this: ConformanceWorld, name: string, index: number, target: string, ttl: number) {
    const leaf = this.fixture(target);
    const guid = this.fixture(name).send(
      MessageType.Push,
      encodePush({
        serventId: leaf.serventId,
        fileIndex: index,
        address: this.network!.gateway,
        port: 6346,
        ggep: [],
      }),
      { ttl, hops: 0 },
    );
    this.notes.set('push', guid);
  },
);

When(
  '{string} sends a push for a servent id no hit carried with TTL {int}',
  function (this: ConformanceWorld, name: string, ttl: number) {
    const guid = this.fixture(name).send(
      MessageType.Push,
      encodePush({
        serventId: freshGuid(),
        fileIndex: 1,
        address: this.network!.gateway,
        port: 6346,
        ggep: [],
      }),
      { ttl, hops: 0 },
    );
    this.notes.set('stray push', guid);
  },
);

// ------------------------------------------------------------------ who receives queries

Then(
  new RegExp(`^"([^"]+)" receives ${QUERY_REF}(?: with TTL (\\d+) and hops (\\d+))?$`),
  async function (
    this: ConformanceWorld,
    name: string,
    ref: string,
    ttl: string | null,
    hops: string | null,
  ) {
    // Cucumber passes null for a group that did not take part.
    const copy = await receivesCopy(this, name, queryRef(this, ref));
    if (ttl !== null)
      expect([copy.header.ttl, copy.header.hops], `TTL and hops at "${name}"`).to.deep.equal([
        Number(ttl),
        Number(hops),
      ]);
  },
);

Then(
  new RegExp(`^"([^"]+)" does not receive ${QUERY_REF}$`),
  async function (this: ConformanceWorld, name: string, ref: string) {
    const q = queryRef(this, ref);
    await quietAfter(this.signAt);
    const got = this.fixture(name).receivedOf(MessageType.Query, q.guid);
    expect(got.length, `copies of query "${q.criteria}" at "${name}"`).to.equal(0);
  },
);

Then(
  new RegExp(`^"([^"]+)" does not receive ${QUERY_REF}, or the SUT has closed its connection$`),
  async function (this: ConformanceWorld, name: string, ref: string) {
    const q = queryRef(this, ref);
    await quietAfter(this.signAt);
    const peer = this.fixture(name);
    const got = peer.receivedOf(MessageType.Query, q.guid);
    const bye = peer.receivedOf(MessageType.Bye)[0];
    this.attach(
      `"${name}": ${peer.closed ? 'connection closed by the SUT' : 'connection still open'}` +
        (bye?.body?.kind === 'bye' ? `, Bye ${bye.body.bye.code} ${bye.body.bye.reason}` : ''),
    );
    expect(got.length, `copies of query "${q.criteria}" at "${name}"`).to.equal(0);
  },
);

Then(
  /^the leaves receiving that query are exactly (.+)$/,
  async function (this: ConformanceWorld, names: string) {
    const q = this.query();
    const expected = nameList(names);
    for (const name of expected) await receivesCopy(this, name, q);
    await quietAfter(this.signAt);
    const leaves = fixtures(this).filter((f) => f.role === 'leaf');
    const seen = copiesOf(leaves, MessageType.Query, q.guid);
    const got = Object.fromEntries([...seen].map(([n, c]) => [n, c.length]));
    const want = Object.fromEntries(leaves.map((l) => [l.name, expected.includes(l.name) ? 1 : 0]));
    expect(got, `copies of query "${q.criteria}" per leaf (QRP-11, UP-7)`).to.deep.equal(want);
  },
);

Then(
  new RegExp(`^every copy of ${QUERY_REF} has TTL (\\d+)(?: or (\\d+))? and hops (\\d+)$`),
  function (this: ConformanceWorld, ref: string, ttl: string, orTtl: string | null, hops: string) {
    const q = queryRef(this, ref);
    const ttls = [Number(ttl), ...(orTtl === null ? [] : [Number(orTtl)])];
    let n = 0;
    for (const [name, copies] of copiesOf(fixtures(this), MessageType.Query, q.guid)) {
      for (const c of copies) {
        n++;
        expect(ttls, `TTL of the copy at "${name}" (RT-1, MSG-8)`).to.include(c.header.ttl);
        expect(c.header.hops, `hops of the copy at "${name}" (RT-1, MSG-8)`).to.equal(Number(hops));
      }
    }
    expect(n, 'copies seen').to.be.above(0);
  },
);

Then(
  'every copy of query {string} has hops + TTL at most {int}',
  async function (this: ConformanceWorld, label: string, max: number) {
    const q = this.query(label);
    await quietAfter(this.signAt);
    const copies = copiesOf(fixtures(this), MessageType.Query, q.guid);
    const seen = [...copies].flatMap(([name, cs]) =>
      cs.map((c) => ({ name, ttl: c.header.ttl, hops: c.header.hops })),
    );
    this.attach(`copies of the TTL ${q.ttl} query: ${JSON.stringify(seen)}`);
    for (const c of seen)
      expect(c.ttl + c.hops, `hops + TTL of the copy at "${c.name}" (RT-6)`).to.be.at.most(max);
  },
);

Then(
  /^"([^"]+)" has received that query exactly once$/,
  async function (this: ConformanceWorld, name: string) {
    const q = this.query();
    await quietAfter(this.signAt);
    expect(
      this.fixture(name).receivedOf(MessageType.Query, q.guid).length,
      `copies at "${name}" (RT-2, MSG-12)`,
    ).to.equal(1);
  },
);

// ------------------------------------------------------------------ hits, pushes, odd messages

Then(
  /^"([^"]+)" receives the hit of "([^"]+)" for query "([^"]+)" with TTL (\d+) and hops (\d+)$/,
  async function (
    this: ConformanceWorld,
    name: string,
    from: string,
    label: string,
    ttl: string,
    hops: string,
  ) {
    const q = this.query(label);
    const source = this.fixture(from);
    const hit = await this.fixture(name).waitFor(
      (m) =>
        m.header.type === MessageType.QueryHit &&
        Buffer.from(m.header.guid).equals(q.guid) &&
        Buffer.from(m.payload.subarray(-16)).equals(source.serventId),
      ARRIVAL_MS,
      `the hit of "${from}" for query "${label}"`,
    );
    this.sign();
    expect([hit.header.ttl, hit.header.hops], 'hit TTL and hops (RT-1, MSG-8)').to.deep.equal([
      Number(ttl),
      Number(hops),
    ]);
    const routed = (this.notes.get('routed hits') as Set<string> | undefined) ?? new Set<string>();
    routed.add(`${name}/${guidToHex(q.guid)}`);
    this.notes.set('routed hits', routed);
  },
);

Then(
  /^no other fixture receives a hit for (query "[^"]+"(?: or query "[^"]+")*)$/,
  async function (this: ConformanceWorld, refs: string) {
    const guids = nameList(refs).map((l) => this.query(l).guid);
    const routed = (this.notes.get('routed hits') as Set<string> | undefined) ?? new Set<string>();
    await quietAfter(this.signAt);
    for (const peer of fixtures(this))
      for (const guid of guids) {
        const want = routed.has(`${peer.name}/${guidToHex(guid)}`) ? 1 : 0;
        expect(
          hitsAt(peer, guid).length,
          `hits for ${guidToHex(guid)} at "${peer.name}" (RT-3)`,
        ).to.equal(want);
      }
  },
);

/** No fixture holds any message with the GUID noted under `note`. */
async function nowhere(world: ConformanceWorld, note: string, what: string): Promise<void> {
  const guid = world.notes.get(note) as Guid | undefined;
  if (!guid) throw new Error(`${what}: no such message was sent earlier in this scenario`);
  await quietAfter(world.signAt);
  for (const peer of fixtures(world)) {
    const got = peer.received().filter((m) => Buffer.from(m.header.guid).equals(guid));
    expect(
      got.map((m) => `type 0x${m.header.type.toString(16)}`),
      `${what} at "${peer.name}"`,
    ).to.deep.equal([]);
  }
}

Then(
  'no fixture receives the hit for the GUID no query carried',
  async function (this: ConformanceWorld) {
    await nowhere(this, 'stray hit', 'the stray hit (RT-3, MSG-15)');
  },
);

Then(
  'no fixture receives the Hops Flow message of {string}',
  async function (this: ConformanceWorld, _name: string) {
    await nowhere(this, 'hops flow', 'the Hops Flow message (RT-10)');
  },
);

Then(
  /^no fixture receives the message of type 0x([0-9a-f]{2})$/,
  async function (this: ConformanceWorld, type: string) {
    await nowhere(this, `type 0x${type}`, `the type 0x${type} message (MSG-5)`);
  },
);

Then(
  'no fixture receives the push for the servent id no hit carried',
  async function (this: ConformanceWorld) {
    await nowhere(this, 'stray push', 'the push without a route (RT-4, MSG-17)');
  },
);

Then(
  "the SUT's drop counters, where it reports them, have risen by at least {int}",
  async function (this: ConformanceWorld, n: number) {
    const { stats } = this.sut;
    const control = this.node().control;
    const before = this.notes.get('drops before') as ReportedStats | undefined;
    if (!stats || !control || !before) {
      this.attach(`not checked: the '${this.sut.name}' adapter reports no drop counters`);
      return;
    }
    const after = await stats.call(this.sut, control);
    const total = (d: Record<string, number>) => Object.values(d).reduce((a, b) => a + b, 0);
    const rose = Object.fromEntries(
      Object.entries(after.drops)
        .map(([reason, k]) => [reason, k - (before.drops[reason] ?? 0)] as const)
        .filter(([, k]) => k !== 0),
    );
    this.attach(`drop counters that changed: ${JSON.stringify(rose)}`);
    expect(total(after.drops) - total(before.drops), 'dropped messages counted').to.be.at.least(n);
  },
);

Then(
  '{string} is still connected to the SUT',
  async function (this: ConformanceWorld, name: string) {
    expect(await this.fixture(name).sync(), `"${name}" connection`).to.equal('answered');
  },
);

Then(
  '{string} receives the push for file {int} with TTL {int} and hops {int}',
  async function (this: ConformanceWorld, name: string, index: number, ttl: number, hops: number) {
    const guid = this.notes.get('push') as Guid;
    const push = await this.fixture(name).waitForGuid(
      MessageType.Push,
      guid,
      ARRIVAL_MS,
      'the push',
    );
    this.sign();
    expect([push.header.ttl, push.header.hops], 'push TTL and hops (RT-1)').to.deep.equal([
      ttl,
      hops,
    ]);
    expect(push.body?.kind === 'push' && push.body.push.fileIndex, 'file index').to.equal(index);
    for (const peer of fixtures(this))
      if (peer.name !== name)
        expect(
          peer.receivedOf(MessageType.Push, guid).length,
          `the push at "${peer.name}"`,
        ).to.equal(0);
  },
);

// ------------------------------------------------------------------ a leaf SUT's answers

/** Waits for the SUT's hit for `q` at the fixture that sent it. */
async function sutHit(world: ConformanceWorld, q: SentQuery): Promise<Decoded> {
  const hit = await world
    .fixture(q.sender)
    .waitForGuid(MessageType.QueryHit, q.guid, ANSWER_MS, `a hit for query "${q.criteria}"`);
  world.sign();
  world.notes.set('last hit', hit);
  world.notes.set(`hit ${guidToHex(q.guid)}`, hit);
  return hit;
}

function lastHit(world: ConformanceWorld): Decoded {
  const hit = world.notes.get('last hit') as Decoded | undefined;
  if (!hit) throw new Error('no hit from the SUT has been seen in this scenario yet');
  return hit;
}

Then(
  new RegExp(`^the SUT answers ${QUERY_REF} with a hit naming exactly (.+)$`),
  async function (this: ConformanceWorld, ref: string, names: string) {
    const hit = hitOf(await sutHit(this, queryRef(this, ref)));
    expect(hit.results.map((r) => r.name).sort(), 'files named in the hit (MSG-27)').to.deep.equal(
      nameList(names).sort(),
    );
  },
);

Then(
  new RegExp(`^the SUT answers ${QUERY_REF} with no hit$`),
  async function (this: ConformanceWorld, ref: string) {
    const q = queryRef(this, ref);
    // A sign that the SUT has handled the query: its answer to a later one that must match.
    const first = (this.shares.get('sut') ?? [])[0];
    if (!first) throw new Error('the SUT shares nothing in this scenario');
    const marker = this.fixture(q.sender).sendQuery({
      criteria: nameWords(first.name)[0]!,
      ttl: q.ttl,
      hops: q.hops,
    });
    await sutHit(this, marker);
    await quietAfter(this.signAt);
    expect(
      hitsAt(this.fixture(q.sender), q.guid).length,
      `hits for "${q.criteria}" (MSG-27: every word must match)`,
    ).to.equal(0);
  },
);

Then(
  '{string} has received no query at all',
  async function (this: ConformanceWorld, name: string) {
    await quietAfter(this.signAt);
    const got = this.fixture(name).receivedOf(MessageType.Query);
    expect(
      got.map((m) => guidToHex(m.header.guid)),
      `queries the SUT sent "${name}" (UP-8, MSG-18)`,
    ).to.deep.equal([]);
  },
);

Then(
  /^every message the SUT sent (.+) has hops 0 and TTL at least 1$/,
  function (this: ConformanceWorld, names: string) {
    for (const name of nameList(names))
      for (const m of this.fixture(name).received()) {
        const what = `type 0x${m.header.type.toString(16)} ${guidToHex(m.header.guid)} to "${name}"`;
        expect(m.header.hops, `hops of ${what} (MSG-18, RT-8)`).to.equal(0);
        expect(m.header.ttl, `TTL of ${what} (RT-8)`).to.be.at.least(1);
      }
  },
);

Then(
  "the hit carries the query's GUID, hops 0 and a TTL of at least {int}",
  function (this: ConformanceWorld, ttl: number) {
    const hit = lastHit(this);
    const q = this.query();
    // By hand, from the raw header bytes the fixture kept.
    expect(guidToHex(hit.header.guid), 'hit GUID (RT-7, MSG-16)').to.equal(guidToHex(q.guid));
    expect(hit.header.hops, 'hit hops (RT-7, MSG-16)').to.equal(0);
    expect(hit.header.ttl, `hit TTL ≥ query hops + 1 = ${q.hops + 1} (RT-7)`).to.be.at.least(ttl);
  },
);

Then('the hit gives the size and SHA-1 of each file it names', function (this: ConformanceWorld) {
  const m = lastHit(this);
  const byHand = readHitByHand(m.payload);
  const codec = hitOf(m);
  byHand.records.forEach((r, i) => {
    const file = sutShare(this, r.name);
    expect(r.size, `size of "${r.name}"`).to.equal(file.size);
    // A urn:sha1 string (read by hand) or GGEP H (read by the codec): HUGE allows both.
    const sha1s = [
      ...r.urns.map((u) => u.toUpperCase()),
      ...extensionSha1s(codec.results[i]?.extensions ?? []).map((h) => `URN:SHA1:${base32(h)}`),
    ];
    expect(sha1s, `SHA-1 URNs of "${r.name}" (the SHA-1 of its bytes)`).to.include(
      file.urn.toUpperCase(),
    );
  });
});

Then(
  'the hit, read by hand, has 1 to 10 records each ending in a NUL pair, an EQHD, and 16 bytes of servent id, as the codec reads it',
  function (this: ConformanceWorld) {
    const m = lastHit(this);
    const byHand = readHitByHand(m.payload);
    const codec = hitOf(m);
    expect(byHand.count, 'record count N (MSG-28)').to.be.within(1, 10);
    expect(byHand.records.length, 'records read').to.equal(byHand.count);
    expect(byHand.vendor, 'EQHD vendor code: 4 letters (MSG-28)').to.match(/^[A-Za-z]{4}$/);
    expect(byHand.openData?.length ?? 0, 'EQHD open data size (MSG-28)').to.be.at.least(2);
    for (const r of byHand.records)
      expect(r.extensions.includes(0), `record "${r.name}" extensions hold no NUL`).to.equal(false);
    expect(
      {
        names: codec.results.map((r) => r.name),
        sizes: codec.results.map((r) => r.size),
        port: codec.port,
        address: codec.address,
        serventId: Buffer.from(codec.serventId).toString('hex'),
      },
      'the codec and the hand reading agree',
    ).to.deep.equal({
      names: byHand.records.map((r) => r.name),
      sizes: byHand.records.map((r) => r.size),
      port: byHand.port,
      address: byHand.address,
      serventId: byHand.serventId.toString('hex'),
    });
  },
);

Then(
  /^the hit's EQHD flags follow the enable\/value rule with the reserved bits 0$/,
  function (this: ConformanceWorld) {
    const byHand = readHitByHand(lastHit(this).payload);
    const flags = eqhdByHand(byHand.openData!);
    expect(flags.reservedBitsSet, 'reserved EQHD bits 0x02, 0x40, 0x80 (MSG-29)').to.equal(0);
    expect(flags.push, 'the push flag is stated (MSG-29)').to.be.a('boolean');
    const hasGgep = byHand.trailer.subarray(5 + byHand.openData!.length).includes(0xc3);
    if (flags.ggep === true)
      expect(hasGgep, 'GGEP flag set: a GGEP block in the private area (MSG-29)').to.equal(true);
  },
);

Then(
  'the hits for query {string} and query {string} end with the same servent id',
  function (this: ConformanceWorld, a: string, b: string) {
    const id = (label: string) => {
      const hit = this.notes.get(`hit ${guidToHex(this.query(label).guid)}`) as Decoded | undefined;
      if (!hit) throw new Error(`no hit seen for query "${label}"`);
      return Buffer.from(hit.payload.subarray(-16)).toString('hex');
    };
    expect(id(a), 'servent id, last 16 bytes (MSG-28)').to.equal(id(b));
  },
);
