/**
 * Network steps: several of our servents in containers on one scenario
 * network, driven and read through their control APIs, with fixture
 * observers attached where the wire itself must be watched.
 */
import { type DataTable, Given, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import { ScriptedPeer } from '../harness/peers/scripted-peer.js';
import { parseTableSpec, tableFor } from '../harness/peers/table-spec.js';
import { nameList, quietAfter } from '../harness/routing/observe.js';
import { linkOf } from '../harness/routing/readiness.js';
import { shareSet } from '../harness/shares/share-set.js';
import {
  AdapterCapabilityError,
  type ReportedStats,
  type SutAdapter,
} from '../harness/sut/adapter.js';
import { guidFromHex, MessageType } from '../servent/src/core/wire/index.js';
import { eventually } from './support/eventually.js';
import type { ConformanceWorld } from './support/world.js';

const READY_MS = 20_000;

/** Leaves and the ultrapeer each hangs from, as the scenario set them up. */
function leafPlan(world: ConformanceWorld): Map<string, string> {
  return (world.notes.get('leaf plan') as Map<string, string> | undefined) ?? new Map();
}

function need<K extends keyof SutAdapter>(world: ConformanceWorld, key: K, what: string) {
  const fn = world.sut[key];
  if (typeof fn !== 'function') throw new AdapterCapabilityError(world.sut.name, what);
  return (fn as (...args: never[]) => unknown).bind(world.sut) as NonNullable<SutAdapter[K]>;
}

function controlOf(world: ConformanceWorld, name: string) {
  const control = world.node(name).control;
  if (!control)
    throw new AdapterCapabilityError(world.sut.name, `reach the control API of "${name}"`);
  return control;
}

async function statsOf(
  world: ConformanceWorld,
  names: string[],
): Promise<Map<string, ReportedStats>> {
  const stats = need(world, 'stats', 'report its message counters');
  const all = await Promise.all(names.map((n) => stats(controlOf(world, n))));
  return new Map(names.map((n, i) => [n, all[i]!]));
}

const queriesIn = (s: ReportedStats | undefined) => s?.messagesIn[MessageType.Query] ?? 0;

Given(
  /^servents "([^"]+)" and "([^"]+)" run as ultrapeers, connected to each other$/,
  async function (this: ConformanceWorld, a: string, b: string) {
    await Promise.all([a, b].map((n) => this.startNode(n, { mode: 'ultrapeer' })));
    const connect = need(this, 'connect', 'dial a peer on request');
    await connect(controlOf(this, b), this.node(a).gnutella);
    this.notes.set('ultrapeers', [a, b]);
  },
);

Given(
  'these servents run as leaves, sharing generated files:',
  async function (this: ConformanceWorld, table: DataTable) {
    const plan = new Map<string, string>();
    await Promise.all(
      table.hashes().map(async (row) => {
        plan.set(row.leaf!, row.ultrapeer!);
        const files = shareSet(row.files!.split(',').map((f) => f.trim()));
        await this.startNode(
          row.leaf!,
          { mode: 'leaf', peers: [this.node(row.ultrapeer!).gnutella] },
          files,
        );
      }),
    );
    this.notes.set('leaf plan', plan);
  },
);

Given(
  /^fixture leaves "([^"]+)" on "([^"]+)" and "([^"]+)" on "([^"]+)" have sent tables for "([^"]+)"$/,
  async function (
    this: ConformanceWorld,
    o1: string,
    up1: string,
    o2: string,
    up2: string,
    file: string,
  ) {
    const library = shareSet([file]);
    const spec = parseTableSpec(undefined);
    await Promise.all(
      [
        [o1, up1],
        [o2, up2],
      ].map(async ([name, up]) => {
        const peer = this.addFixture(
          await ScriptedPeer.connect(this.node(up!).gnutella, {
            name: name!,
            role: 'leaf',
            library,
          }),
        );
        peer.sendTable(tableFor(library, spec), spec.patch);
        this.notes.set(`observer ${name}`, up);
      }),
    );
  },
);

Given(
  'each ultrapeer has taken the tables of all its leaves',
  async function (this: ConformanceWorld) {
    const stats = need(this, 'stats', 'report which QRP tables it has taken');
    const status = need(this, 'status', 'report its connections');
    const [a, b] = this.notes.get('ultrapeers') as [string, string];
    const leavesOf = (up: string) => [
      ...[...leafPlan(this)].filter(([, u]) => u === up).map(([leaf]) => this.node(leaf).gnutella),
      ...[...this.fixtures.values()]
        .filter((f) => this.notes.get(`observer ${f.name}`) === up)
        .map((f) => f.wire.local),
    ];
    await Promise.all(
      [a, b].map((up) =>
        eventually(
          READY_MS,
          `"${up}" holding a complete table from each of its leaves`,
          async () => {
            const report = await stats(controlOf(this, up));
            const waiting = leavesOf(up).filter((at) => {
              const link =
                linkOf(report.links, at) ?? report.links.find((l) => l.remote.host === at.host);
              return !link?.qrp?.received;
            });
            return waiting.length === 0
              ? undefined
              : `no table yet from ${waiting.map((w) => `${w.host}:${w.port}`).join(', ')}`;
          },
        ),
      ),
    );
    await eventually(READY_MS, `"${a}" and "${b}" connected`, async () => {
      const report = await status(controlOf(this, a));
      const link = report.connections.find(
        (c) => c.remote.host === this.node(b).ip && c.state === 'established',
      );
      return link
        ? undefined
        : `"${a}" connections: ${JSON.stringify(report.connections.map((c) => [c.remote, c.state]))}`;
    });
  },
);

When(
  '{string} searches for {string} with TTL {int}',
  async function (this: ConformanceWorld, name: string, text: string, ttl: number) {
    const search = need(this, 'search', 'start a search');
    const everyone = [...leafPlan(this).keys(), ...(this.notes.get('ultrapeers') as string[])];
    this.notes.set('counters before', await statsOf(this, everyone));
    const guid = await search(controlOf(this, name), text, ttl);
    this.notes.set('search', { node: name, guid, text });
  },
);

function lastSearch(world: ConformanceWorld): { node: string; guid: string; text: string } {
  const s = world.notes.get('search') as { node: string; guid: string; text: string } | undefined;
  if (!s) throw new Error('no search has been started in this scenario');
  return s;
}

Then(
  /^within (\d+) seconds "([^"]+)" has results for exactly (.+)$/,
  async function (this: ConformanceWorld, seconds: string, name: string, names: string) {
    const results = need(this, 'searchResults', "report its search's results");
    const { guid } = lastSearch(this);
    const want = nameList(names).sort();
    let last: Awaited<ReturnType<typeof results>> = [];
    await eventually(
      Number(seconds) * 1000,
      `results of "${name}" naming ${want.join(', ')}`,
      async () => {
        last = await results(controlOf(this, name), guid);
        const got = [...new Set(last.map((r) => r.name))];
        return want.every((w) => got.includes(w))
          ? undefined
          : `results: ${got.join(', ') || 'none'}`;
      },
    );
    this.sign();
    await quietAfter(this.signAt);
    last = await results(controlOf(this, name), guid);
    expect(
      [...new Set(last.map((r) => r.name))].sort(),
      'files found (MSG-27, QRP-11)',
    ).to.deep.equal(want);
    this.notes.set('results', last);
  },
);

Then(
  "each result names the leaf sharing it and the SHA-1 of the file's bytes",
  function (this: ConformanceWorld) {
    const results = this.notes.get('results') as Awaited<
      ReturnType<NonNullable<SutAdapter['searchResults']>>
    >;
    for (const r of results) {
      const owner = [...this.shares].find(([, files]) => files.some((f) => f.name === r.name));
      expect(owner, `a node sharing "${r.name}"`).to.not.equal(undefined);
      const [leaf, files] = owner!;
      const file = files.find((f) => f.name === r.name)!;
      expect(r.host, `host of "${r.name}" (the hit's address)`).to.equal(this.node(leaf).ip);
      expect(r.size, `size of "${r.name}"`).to.equal(file.size);
      expect(r.sha1, `SHA-1 of "${r.name}", computed by the harness`).to.equal(file.sha1Base32);
    }
  },
);

Then(
  /^of the leaves, (?:only (.+) counts?|none counts) a query received$/,
  async function (this: ConformanceWorld, names: string | null) {
    const expected = names === null ? [] : nameList(names);
    await quietAfter(this.signAt);
    const before = this.notes.get('counters before') as Map<string, ReportedStats>;
    const leaves = [...leafPlan(this).keys()];
    const after = await statsOf(this, leaves);
    const got = Object.fromEntries(
      leaves.map((l) => [l, queriesIn(after.get(l)) - queriesIn(before.get(l))]),
    );
    const want = Object.fromEntries(leaves.map((l) => [l, expected.includes(l) ? 1 : 0]));
    expect(got, 'queries each leaf counts receiving (QRP-11, UP-7)').to.deep.equal(want);
  },
);

Then('{string} counts that search arriving', async function (this: ConformanceWorld, up: string) {
  const before = queriesIn(
    (this.notes.get('counters before') as Map<string, ReportedStats>).get(up),
  );
  await eventually(10_000, `"${up}" counting the search among its queries received`, async () => {
    const now = queriesIn((await statsOf(this, [up])).get(up));
    return now > before ? undefined : `queries in: ${now} (before the search: ${before})`;
  });
  this.sign();
});

Then(
  /^neither "([^"]+)" nor "([^"]+)" receives that search$/,
  async function (this: ConformanceWorld, a: string, b: string) {
    const guid = guidFromHex(lastSearch(this).guid);
    if (!guid.ok) throw guid.error;
    await quietAfter(this.signAt);
    for (const name of [a, b])
      expect(
        this.fixture(name).receivedOf(MessageType.Query, guid.value).length,
        `copies of the search at observer "${name}" (QRP-11, UP-7)`,
      ).to.equal(0);
  },
);
