/**
 * QRP steps (qrp.md §5–§9, §11): the tables the SUT sends, read byte by byte
 * and hashed by hand (harness/oracle/route-table.ts), and the broken tables
 * fixture leaves send it.
 */
import { Given, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import {
  changedSlots,
  groupSequences,
  type HandPatch,
  type HandReset,
  limeWirePrefixes,
  nameWords,
  presenceAfter,
  qrpHashByHand,
  readUpdateByHand,
  sequenceEntries,
  type TableSequence,
} from '../harness/oracle/route-table.js';
import { ScriptedPeer } from '../harness/peers/scripted-peer.js';
import { quietAfter } from '../harness/routing/observe.js';
import { PATCH_FAULTS, RESET_FAULTS } from '../harness/routing/table-faults.js';
import { type ShareFile, shareEntries, shareFile } from '../harness/shares/share-set.js';
import { AdapterCapabilityError } from '../harness/sut/adapter.js';
import { buildTable } from '../servent/src/core/qrp/index.js';
import { guidToHex, MessageType } from '../servent/src/core/wire/index.js';
import { absenceWindow } from './support/eventually.js';
import type { ConformanceWorld } from './support/world.js';

/** The 0x30 messages a fixture received, each read by hand. */
function tableMessages(peer: ScriptedPeer) {
  return peer.receivedOf(MessageType.RouteTableUpdate).map((m) => ({
    message: m,
    update: readUpdateByHand(m.payload),
  }));
}

function sequencesAt(peer: ScriptedPeer, from = 0): TableSequence[] {
  return groupSequences(
    tableMessages(peer)
      .slice(from)
      .map((t) => t.update),
  );
}

/** The first RESET-led, complete table a fixture received. */
function firstTable(world: ConformanceWorld): { peer: ScriptedPeer; table: TableSequence } {
  const peer = world.fixture(world.notes.get('table from') as string);
  const table = sequencesAt(peer).find((s) => s.reset && s.complete);
  if (!table) throw new Error(`"${peer.name}" has received no complete table`);
  return { peer, table };
}

const bitsOf = (reset: HandReset) => Math.log2(reset.length);

/** Slots (at `bits`) of every word of a name and the LimeWire prefixes of its long words, hashed by hand. */
function requiredSlots(names: readonly string[], bits: number): Map<number, string> {
  const slots = new Map<number, string>();
  for (const name of names)
    for (const word of nameWords(name))
      for (const w of [word, ...limeWirePrefixes(word)]) slots.set(qrpHashByHand(w, bits), w);
  return slots;
}

/** Every slot a servent following qrp.md §2.6 may mark for these files (the core's keyword profile). */
function allowedSlots(files: readonly ShareFile[], bits: number): Set<number> {
  const table = buildTable(
    files.map((f) => ({ name: f.name, urns: [f.urn] })),
    { bits, infinity: 2 },
  );
  const out = new Set<number>();
  for (let slot = 0; slot < table.length; slot++) if (table.isPresent(slot)) out.add(slot);
  for (const slot of requiredSlots(
    files.map((f) => f.name),
    bits,
  ).keys())
    out.add(slot);
  return out;
}

async function waitForTable(
  peer: ScriptedPeer,
  timeoutMs: number,
  from = 0,
  what = 'a RESET and a complete PATCH sequence',
) {
  await peer.waitFor(
    () => sequencesAt(peer, from).some((s) => s.complete && (from > 0 || s.reset !== undefined)),
    timeoutMs,
    what,
  );
}

// ------------------------------------------------------------------ a leaf SUT's table

Then(
  "the SUT's request said {string} is {string} and offered {string}",
  function (this: ConformanceWorld, name: string, value: string, offered: string) {
    const peer = [...this.fixtures.values()].at(-1)!;
    expect(peer.sutBlock.headers.get(name), `${name} in the SUT's block (1) (UP-2)`).to.equal(
      value,
    );
    expect(peer.sutBlock.headers.get(offered), `${offered} in the SUT's block (1) (UP-2)`).to.be.a(
      'string',
    );
  },
);

Then(
  'within {int} seconds {string} receives a RESET and then a complete PATCH sequence',
  async function (this: ConformanceWorld, seconds: number, name: string) {
    const peer = this.fixture(name);
    await waitForTable(peer, seconds * 1000);
    this.sign();
    this.notes.set('table from', name);
  },
);

Then(
  'every table message has type 0x30, TTL 1, hops 0 and a GUID of its own',
  function (this: ConformanceWorld) {
    const { peer } = firstTable(this);
    const all = [...this.fixtures.values()].flatMap((f) => f.received());
    for (const { message } of tableMessages(peer)) {
      const guid = guidToHex(message.header.guid);
      expect(
        [message.header.ttl, message.header.hops],
        `TTL and hops of ${guid} (QRP-2, MSG-39)`,
      ).to.deep.equal([1, 0]);
      const same = all.filter((m) => guidToHex(m.header.guid) === guid);
      expect(same.length, `messages from the SUT with GUID ${guid} (MSG-6)`).to.equal(1);
    }
  },
);

Then(
  'the RESET, read by hand, has 6 bytes, a power-of-two length of at least 8 and an infinity of at least 1',
  function (this: ConformanceWorld) {
    const { peer, table } = firstTable(this);
    const first = tableMessages(peer)[0]!.update;
    expect(first.variant, 'the first table message (QRP-4: RESET before any PATCH)').to.equal(
      'reset',
    );
    const reset = table.reset!;
    expect(reset.payloadLength, 'RESET payload bytes (QRP-3)').to.equal(6);
    expect(reset.length, 'table length (QRP-3)').to.be.at.least(8);
    expect(
      reset.length & (reset.length - 1),
      `table length ${reset.length} a power of two (QRP-3)`,
    ).to.equal(0);
    expect(reset.infinity, 'infinity (QRP-3)').to.be.at.least(1);
  },
);

Then(
  'the PATCH messages, read by hand, run 1 to n of n with one compressor and entry width, none over 4096 + 5 bytes',
  function (this: ConformanceWorld) {
    const { table } = firstTable(this);
    const n = table.patches.length;
    expect(n, 'PATCH messages (QRP-5)').to.be.within(1, 255);
    const first = table.patches[0]!;
    table.patches.forEach((p: HandPatch, i) => {
      expect(p.seqNo, `seq no of PATCH ${i + 1} (QRP-4, QRP-5)`).to.equal(i + 1);
      expect(p.seqSize, `seq size of PATCH ${i + 1} (QRP-5)`).to.equal(n);
      expect(
        [p.compressor, p.entryBits],
        `compressor and entry bits of PATCH ${i + 1} (QRP-5)`,
      ).to.deep.equal([first.compressor, first.entryBits]);
      expect(p.payloadLength, `payload of PATCH ${i + 1} (QRP-8)`).to.be.at.most(4096 + 5);
    });
    expect([0, 1], 'compressor (QRP-6)').to.include(first.compressor);
  },
);

Then(
  'the patch data, inflated by hand as one stream, holds exactly one 4- or 8-bit entry per slot',
  function (this: ConformanceWorld) {
    const { table } = firstTable(this);
    const bits = table.patches[0]!.entryBits;
    expect([4, 8], 'entry bits (QRP-6; 1 only after QRP1)').to.include(bits);
    expect(sequenceEntries(table.patches).length, 'entries after inflating (QRP-6)').to.equal(
      table.reset!.length,
    );
  },
);

Then(
  'the table marks present every word of every shared name, and the LimeWire prefixes of its long words',
  function (this: ConformanceWorld) {
    const { table } = firstTable(this);
    const { present } = presenceAfter([table]);
    const files = this.shares.get('sut') ?? [];
    const names = files.map((f) => f.name);
    const required = requiredSlots(names, bitsOf(table.reset!));
    const first = table.patches[0]!;
    this.attach(
      `table: ${table.reset!.length} slots, infinity ${table.reset!.infinity}, ${table.patches.length} PATCH ` +
        `(compressor ${first.compressor}, ${first.entryBits}-bit); ${present.size} slots present; ` +
        `${required.size} required: ${[...new Set(required.values())].join(' ')}`,
    );
    const missing = [...required]
      .filter(([slot]) => !present.has(slot))
      .map(([slot, word]) => `${word}@${slot}`);
    expect(missing, 'keywords absent from the table (QRP-7, QRP-19)').to.deep.equal([]);
  },
);

Then(
  'every slot the table marks present belongs to a keyword or SHA-1 URN of a shared file',
  function (this: ConformanceWorld) {
    const { table } = firstTable(this);
    const { present } = presenceAfter([table]);
    const allowed = allowedSlots(this.shares.get('sut') ?? [], bitsOf(table.reset!));
    const extra = [...present].filter((s) => !allowed.has(s));
    expect(
      extra.slice(0, 20),
      `${extra.length} present slots no shared keyword explains (QRP-7)`,
    ).to.deep.equal([]);
  },
);

Then(
  "the table, resized to {int} slots, has slot {int} present, the spec's slot for {string}",
  function (this: ConformanceWorld, slots: number, slot: number, word: string) {
    const { table } = firstTable(this);
    const { present } = presenceAfter([table]);
    const bits = bitsOf(table.reset!);
    const target = Math.log2(slots);
    expect(qrpHashByHand(word, target), `the harness's own hash of "${word}"`).to.equal(slot);
    const hit =
      bits >= target
        ? [...present].some((s) => s >>> (bits - target) === slot)
        : present.has(slot >>> (target - bits));
    expect(hit, `"${word}" present in the ${2 ** bits}-slot table (QRP-1)`).to.equal(true);
  },
);

Then(
  '{string} receives no further table message for {int} seconds',
  async function (this: ConformanceWorld, name: string, seconds: number) {
    const peer = this.fixture(name);
    const before = tableMessages(peer).length;
    await absenceWindow(seconds * 1000);
    expect(
      tableMessages(peer).length - before,
      'table messages while nothing changed (QRP-9)',
    ).to.equal(0);
    this.notes.set('table from', name);
  },
);

When(
  "the file {string} is added to the SUT's shares",
  async function (this: ConformanceWorld, name: string) {
    const { shareDir, owner } = this.sut;
    if (!shareDir || !owner) throw new AdapterCapabilityError(this.sut.name, 'share more files');
    const file = shareFile(name);
    const peer = this.fixture(this.notes.get('table from') as string);
    this.notes.set('messages before the new file', tableMessages(peer).length);
    this.notes.set('new file', file);
    await this.node().copyFiles(shareEntries([file], shareDir, [], owner));
    this.shares.set('sut', [...(this.shares.get('sut') ?? []), file]);
  },
);

Then(
  'within {int} seconds {string} receives a PATCH sequence with no RESET before it',
  async function (this: ConformanceWorld, seconds: number, name: string) {
    const peer = this.fixture(name);
    const from = this.notes.get('messages before the new file') as number;
    await waitForTable(peer, seconds * 1000, from, 'a PATCH sequence for the new file');
    const update = sequencesAt(peer, from).find((s) => s.complete)!;
    expect(update.reset, 'a RESET before the update (QRP-9: PATCH only)').to.equal(undefined);
    this.notes.set('update', update);
  },
);

Then(
  "that PATCH changes only slots of the new file's keywords and SHA-1, including every word of its name",
  function (this: ConformanceWorld) {
    const { table } = firstTable(this);
    const bits = bitsOf(table.reset!);
    const before = presenceAfter([table]).present;
    const update = this.notes.get('update') as TableSequence;
    const file = this.notes.get('new file') as ShareFile;
    const entries = sequenceEntries(update.patches);
    expect(entries.length, 'entries in the update (QRP-6)').to.equal(table.reset!.length);
    const changed = changedSlots(entries);
    const allowed = allowedSlots([file], bits);
    const stray = changed.filter((s) => !allowed.has(s));
    expect(
      stray.slice(0, 20),
      `${stray.length} changed slots that are not the new file's (QRP-9)`,
    ).to.deep.equal([]);
    const missing = [...requiredSlots([file.name], bits)]
      .filter(([slot]) => !before.has(slot) && !changed.includes(slot))
      .map(([slot, word]) => `${word}@${slot}`);
    expect(missing, "the new file's keywords the update leaves out (QRP-9)").to.deep.equal([]);
    for (const s of changed)
      expect(entries[s]!, `entry of slot ${s}: newly present`).to.be.below(0);
  },
);

// ------------------------------------------------------------------ broken tables sent to an ultrapeer SUT

When(
  new RegExp(`^"([^"]+)" sends (${Object.keys(PATCH_FAULTS).join('|')})$`),
  async function (this: ConformanceWorld, name: string, fault: string) {
    const peer = this.fixture(name);
    const slots = peer.table?.length;
    if (!slots) throw new Error(`"${name}" has sent no table to break`);
    for (const payload of PATCH_FAULTS[fault]!(slots)) peer.sendRawUpdate(payload);
    await peer.sync();
  },
);

Given(
  new RegExp(
    `^fixture leaf "([^"]+)" has connected to the SUT and sent (${Object.keys(RESET_FAULTS).join('|')}) and an all-present PATCH$`,
  ),
  async function (this: ConformanceWorld, name: string, reset: string) {
    const peer = this.addFixture(
      await ScriptedPeer.connect(this.node().gnutella, { name, role: 'leaf' }),
    );
    for (const payload of RESET_FAULTS[reset]!()) peer.sendRawUpdate(payload);
    await peer.sync();
  },
);

// ------------------------------------------------------------------ an ultrapeer SUT's merged table

Then(
  'within {int} seconds {string} receives a complete table in which every word of {string} is present',
  async function (this: ConformanceWorld, seconds: number, name: string, fileName: string) {
    const peer = this.fixture(name);
    this.notes.set('table from', name);
    // The first table may come before the leaf's; later updates count too (QRP-16).
    const missing = () => {
      const table = sequencesAt(peer).find((s) => s.reset && s.complete);
      if (!table) return ['(no complete table yet)'];
      const bits = bitsOf(table.reset!);
      const { present } = presenceAfter(sequencesAt(peer));
      return nameWords(fileName).filter((w) => !present.has(qrpHashByHand(w, bits)));
    };
    try {
      await peer.waitFor(
        () => missing().length === 0,
        seconds * 1000,
        `a table holding "${fileName}"`,
      );
    } catch (err) {
      expect(
        missing(),
        `words of "${fileName}" absent from the merged table (QRP-16)`,
      ).to.deep.equal([]);
      throw err;
    }
    this.sign();
  },
);

Then(
  '{string} has received no table message',
  async function (this: ConformanceWorld, name: string) {
    await quietAfter(this.signAt);
    expect(
      tableMessages(this.fixture(name)).length,
      `table messages the SUT sent "${name}" (QRP-17)`,
    ).to.equal(0);
  },
);
