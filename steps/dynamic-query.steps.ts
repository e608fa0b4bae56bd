/**
 * Dynamic-querying steps (dynamic-querying.md §5, §6, §9): an ultrapeer SUT
 * with many fixture ultrapeers that answer every query they get, a fixture
 * leaf whose query it runs, and when, how and to whom the copies go.
 */
import { Given, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import {
  type Decoded,
  freshGuid,
  ScriptedPeer,
  type SentQuery,
} from '../harness/peers/scripted-peer.js';
import { nameList } from '../harness/routing/observe.js';
import { shareSet } from '../harness/shares/share-set.js';
import { AdapterCapabilityError } from '../harness/sut/adapter.js';
import {
  encodeMessage,
  encodeQuery,
  encodeVendorFrame,
  ggepExtension,
  guidToHex,
  MessageType,
  QUERY_STATUS_STOP,
  QueryFlag,
} from '../servent/src/core/wire/index.js';
import { absenceWindow, eventually } from './support/eventually.js';
import type { ConformanceWorld } from './support/world.js';

/** The probe's copies leave together; later ones one per wait (DQ-2, DQ-5). */
const PROBE_SPREAD_MS = 1_000;
const MIN_SPACING_MS = 1_500;
/** The longest wait the spec allows between sends: TTL 4 × 2400 ms, plus jitter. */
const MAX_SPACING_MS = 4 * 2_400 + 1_000;
/** After the query stops, a window longer than any wait between sends. */
const QUIET_MS = MAX_SPACING_MS;

interface Copy {
  fixture: string;
  at: number;
  ttl: number;
  hops: number;
}

/** Every copy of `query` the fixtures received, in arrival order. */
function copiesOf(world: ConformanceWorld, query: SentQuery, names?: string[]): Copy[] {
  const copies: Copy[] = [];
  for (const [name, peer] of world.fixtures) {
    if (names && !names.includes(name)) continue;
    for (const m of peer.receivedOf(MessageType.Query, query.guid))
      copies.push({ fixture: name, at: m.at, ttl: m.header.ttl, hops: m.header.hops });
  }
  return copies.sort((a, b) => a.at - b.at);
}

const ultrapeerNames = (world: ConformanceWorld): string[] =>
  [...world.fixtures.values()].filter((f) => f.role === 'ultrapeer').map((f) => f.name);

/** Results in the hits a fixture received for a query. */
function resultsAt(world: ConformanceWorld, name: string, query: SentQuery): number {
  return world
    .fixture(name)
    .receivedOf(MessageType.QueryHit, query.guid)
    .reduce(
      (n: number, m: Decoded) => n + (m.body?.kind === 'query-hit' ? m.body.hit.results.length : 0),
      0,
    );
}

Given(
  /^fixture ultrapeers "([^"]+)" to "([^"]+)" are connected to the SUT, each answering every query with (\d+) results?$/,
  async function (this: ConformanceWorld, first: string, last: string, results: string) {
    const prefix = first.replace(/\d+$/, '');
    const from = Number(first.slice(prefix.length));
    const to = Number(last.slice(prefix.length));
    const names = Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${from + i}`);
    const library = shareSet(
      Array.from({ length: Number(results) }, (_, i) => `falcon result ${i + 1}.mp3`),
    );
    await Promise.all(
      names.map(async (name) => {
        const peer = await ScriptedPeer.connect(this.node().gnutella, {
          name,
          role: 'ultrapeer',
          library,
          // No table: the SUT cannot tell who has what, so it probes and widens (§5.2).
          upQrp: false,
        });
        this.addFixture(peer);
        peer.wire.onMessage((m) => {
          if (m.header.type !== MessageType.Query) return;
          peer.sendHit({ guid: m.header.guid, ttl: m.header.hops + 2 });
        });
      }),
    );
  },
);

Given(
  'fixture leaf {string} is connected to the SUT',
  async function (this: ConformanceWorld, name: string) {
    const peer = await ScriptedPeer.connect(this.node().gnutella, { name, role: 'leaf' });
    this.addFixture(peer);
  },
);

Then(
  /^exactly (\d+) of the ultrapeers receive that query at once, with TTL (\d+) and hops (\d+)$/,
  async function (this: ConformanceWorld, count: string, ttl: string, hops: string) {
    const query = this.query();
    await eventually(5_000, 'the probe', async () =>
      copiesOf(this, query).length >= Number(count)
        ? undefined
        : `${copiesOf(this, query).length} copies`,
    );
    await absenceWindow(PROBE_SPREAD_MS);
    const copies = copiesOf(this, query, ultrapeerNames(this));
    const first = copies[0]!.at;
    const probe = copies.filter((c) => c.at - first < PROBE_SPREAD_MS);
    expect(probe.length, `copies within ${PROBE_SPREAD_MS} ms of the first (DQ-2)`).to.equal(
      Number(count),
    );
    for (const c of probe)
      expect([c.ttl, c.hops], `the probe copy at "${c.fixture}"`).to.deep.equal([
        Number(ttl),
        Number(hops),
      ]);
    this.notes.set('probeAt', first);
  },
);

Then(
  /^after the probe the query goes to one more ultrapeer at a time, 1.5 to ([\d.]+) seconds apart, with TTL at most (\d+), until "([^"]+)" has (\d+) results$/,
  async function (
    this: ConformanceWorld,
    _max: string,
    maxTtl: string,
    leaf: string,
    target: string,
  ) {
    const query = this.query();
    await eventually(60_000, `"${leaf}" holding ${target} results`, async () => {
      const n = resultsAt(this, leaf, query);
      return n >= Number(target) ? undefined : `${n} results`;
    });
    this.notes.set('targetAt', Date.now());
    const copies = copiesOf(this, query, ultrapeerNames(this));
    const probeAt = this.notes.get('probeAt') as number;
    const later = copies.filter((c) => c.at - probeAt >= PROBE_SPREAD_MS);
    expect(later.length, 'copies after the probe').to.be.greaterThan(0);
    let previous = copies.filter((c) => c.at - probeAt < PROBE_SPREAD_MS).at(-1)!.at;
    for (const c of later) {
      const gap = c.at - previous;
      expect(gap, `wait before "${c.fixture}" (DQ-5)`).to.be.at.least(MIN_SPACING_MS - 100);
      expect(gap, `wait before "${c.fixture}"`).to.be.at.most(MAX_SPACING_MS);
      expect(c.ttl, `TTL at "${c.fixture}" (DQ-3)`).to.be.within(1, Number(maxTtl));
      previous = c.at;
    }
    // One copy per ultrapeer: none of these fixtures announced a need for a second (DQ-4 for TTL ≥ 2).
    const perFixture = new Map<string, number>();
    for (const c of copies) perFixture.set(c.fixture, (perFixture.get(c.fixture) ?? 0) + 1);
    for (const [name, n] of perFixture) expect(n, `copies at "${name}"`).to.equal(1);
  },
);

Then(
  /^then no further ultrapeer receives it, and (\d+) of them never did$/,
  async function (this: ConformanceWorld, never: string) {
    const query = this.query();
    const targetAt = this.notes.get('targetAt') as number;
    await absenceWindow(QUIET_MS);
    const copies = copiesOf(this, query, ultrapeerNames(this));
    // A copy already on its way when the last hits arrived may land just after.
    const late = copies.filter((c) => c.at > targetAt + 500);
    expect(
      late.map((c) => c.fixture),
      'copies after the target was reached (DQ-6)',
    ).to.deep.equal([]);
    const reached = new Set(copies.map((c) => c.fixture));
    expect(ultrapeerNames(this).length - reached.size, 'ultrapeers never asked').to.equal(
      Number(never),
    );
  },
);

When(
  /^"([^"]+)" says it wants no more results for that query$/,
  function (this: ConformanceWorld, name: string) {
    const query = this.query();
    const frame = encodeVendorFrame(
      { kind: 'query-status-response', version: 1, kept: QUERY_STATUS_STOP },
      query.guid,
    );
    this.fixture(name).sendBytes(frame);
    this.notes.set('stopAt', Date.now());
  },
);

Then(
  'no ultrapeer receives that query after that, though the target is not reached',
  async function (this: ConformanceWorld) {
    const query = this.query();
    const stopAt = this.notes.get('stopAt') as number;
    await absenceWindow(QUIET_MS);
    const late = copiesOf(this, query, ultrapeerNames(this)).filter((c) => c.at > stopAt + 500);
    expect(
      late.map((c) => c.fixture),
      'copies after BEAR/12 0xFFFF (DQ-7)',
    ).to.deep.equal([]);
  },
);

When('the probe of that query has gone out', async function (this: ConformanceWorld) {
  const query = this.query();
  await eventually(5_000, 'the probe', async () =>
    copiesOf(this, query).length > 0 ? undefined : 'none',
  );
  await absenceWindow(PROBE_SPREAD_MS);
});

Then(
  /^every other of (.+) receives that query within (\d+) seconds?, with TTL (\d+) and hops (\d+)$/,
  async function (
    this: ConformanceWorld,
    names: string,
    seconds: string,
    ttl: string,
    hops: string,
  ) {
    const query = this.query();
    const others = nameList(names).filter((n) => n !== query.sender);
    await eventually(
      Number(seconds) * 1000,
      'a copy at every other ultrapeer (DQ-11)',
      async () => {
        const missing = others.filter(
          (n) => this.fixture(n).receivedOf(MessageType.Query, query.guid).length === 0,
        );
        return missing.length === 0 ? undefined : `missing at ${missing.join(', ')}`;
      },
    );
    for (const c of copiesOf(this, query, others))
      expect([c.ttl, c.hops]).to.deep.equal([Number(ttl), Number(hops)]);
  },
);

// ------------------------------------------------------------------ what the SUT announces

Then(
  "the SUT's block to {string} says {string} is {string} and {string} is {string}",
  function (this: ConformanceWorld, name: string, h1: string, v1: string, h2: string, v2: string) {
    const headers = this.fixture(name).sutBlock.headers;
    expect(headers.get(h1), h1).to.equal(v1);
    expect(headers.get(h2), h2).to.equal(v2);
  },
);

Then(
  "the SUT's block to {string} has {string} and {string}",
  function (this: ConformanceWorld, name: string, h1: string, h2: string) {
    const headers = this.fixture(name).sutBlock.headers;
    for (const h of [h1, h2]) expect(headers.has(h), `${h} in the SUT's block`).to.be.true;
  },
);

Then(
  "the SUT's block to {string} gives {string} at least {int} and {string} between {int} and {int}",
  function (
    this: ConformanceWorld,
    name: string,
    degreeHeader: string,
    least: number,
    ttlHeader: string,
    low: number,
    high: number,
  ) {
    const headers = this.fixture(name).sutBlock.headers;
    expect(Number(headers.get(degreeHeader)), degreeHeader).to.be.at.least(least);
    expect(Number(headers.get(ttlHeader)), ttlHeader).to.be.within(low, high);
  },
);

// ------------------------------------------------------------------ What's New?

When(
  /^"([^"]+)" sends a What's New query with the text "([^"]*)" and TTL (\d+)$/,
  function (this: ConformanceWorld, name: string, text: string, ttl: string) {
    const guid = freshGuid();
    const payload = encodeQuery({
      flags: QueryFlag.Marked,
      criteria: text,
      extensions: [{ kind: 'ggep', extensions: [ggepExtension('WH', Uint8Array.of(1))] }],
      trailingNul: false,
    });
    this.fixture(name).sendBytes(
      encodeMessage({ guid, type: MessageType.Query, ttl: Number(ttl), hops: 0 }, payload),
    );
    this.rememberQuery({ guid, criteria: text, ttl: Number(ttl), hops: 0, sender: name });
  },
);

Given(
  /^(.+) (?:has|have) told the SUT (?:it supports|they support) What's New$/,
  async function (this: ConformanceWorld, names: string) {
    const frame = encodeVendorFrame(
      {
        kind: 'features-supported',
        version: 0,
        features: [{ name: 'WHAT', version: 1 }],
        wideFeatures: null,
      },
      new Uint8Array(16),
    );
    for (const name of nameList(names)) {
      const peer = this.fixture(name);
      peer.sendBytes(frame);
      expect(await peer.sync(), `"${name}" still connected`).to.equal('answered');
    }
  },
);

Then(
  /^"([^"]+)" receives a hit for that query naming (\d+) to (\d+) of the SUT's files$/,
  async function (this: ConformanceWorld, name: string, least: string, most: string) {
    const query = this.query();
    const hit = await this.fixture(name).waitForGuid(
      MessageType.QueryHit,
      query.guid,
      10_000,
      "the SUT's hit",
    );
    await absenceWindow(1_000);
    const names = this.fixture(name)
      .receivedOf(MessageType.QueryHit, query.guid)
      .flatMap((m) => (m.body?.kind === 'query-hit' ? m.body.hit.results.map((r) => r.name) : []));
    expect(hit.body?.kind).to.equal('query-hit');
    const shared = (this.shares.get('sut') ?? []).map((f) => f.name);
    expect(names.length, `results (DQ-17: at most ${most})`).to.be.within(
      Number(least),
      Number(most),
    );
    for (const n of names) expect(shared, 'a file the SUT shares').to.include(n);
    this.notes.set('hitGuid', guidToHex(query.guid));
  },
);

// ------------------------------------------------------------------ the SUT as a guiding leaf

Then(
  /^"([^"]+)" receives the SUT's query for "([^"]+)"$/,
  async function (this: ConformanceWorld, name: string, text: string) {
    const peer = this.fixture(name);
    const m = await peer.waitFor(
      (m) => m.body?.kind === 'query' && m.body.query.criteria === text,
      10_000,
      `the SUT's query for "${text}"`,
    );
    this.rememberQuery({
      guid: m.header.guid,
      criteria: text,
      ttl: m.header.ttl,
      hops: m.header.hops,
      sender: 'sut',
    });
  },
);

When(
  /^"([^"]+)" answers that query with a hit of (\d+) results$/,
  function (this: ConformanceWorld, name: string, results: string) {
    const files = shareSet(
      Array.from({ length: Number(results) }, (_, i) => `falcon answer ${i + 1}.ogg`),
    );
    this.fixture(name).sendHit({ guid: this.query().guid, ttl: 3, files });
  },
);

When(
  /^"([^"]+)" asks the SUT how that query is doing$/,
  function (this: ConformanceWorld, name: string) {
    const frame = encodeVendorFrame(
      { kind: 'query-status-request', version: 1 },
      this.query().guid,
    );
    this.fixture(name).sendBytes(frame);
  },
);

Then(
  /^"([^"]+)" receives a query status for that query within (\d+) seconds, saying (\d+) results?$/,
  async function (this: ConformanceWorld, name: string, seconds: string, kept: string) {
    const guid = this.query().guid;
    const status = await this.fixture(name).waitFor(
      (m) =>
        m.body?.kind === 'vendor' &&
        m.body.vendor.kind === 'query-status-response' &&
        Buffer.from(m.header.guid).equals(guid) &&
        m.body.vendor.kept === Number(kept),
      Number(seconds) * 1000,
      `BEAR/12 saying ${kept} for the query`,
    );
    expect([status.header.ttl, status.header.hops], 'a hop-by-hop message').to.deep.equal([1, 0]);
  },
);

When('the SUT is told to stop that search', async function (this: ConformanceWorld) {
  const node = this.node();
  if (!this.sut.stopSearch || !node.control)
    throw new AdapterCapabilityError(this.sut.name, 'stop a search');
  await this.sut.stopSearch(node.control, guidToHex(this.query().guid));
});
