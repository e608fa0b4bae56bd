/**
 * Real clients' header sets (fixtures/profiles) around the SUT: a scripted
 * leaf that opens with a profile's block (1), a scripted ultrapeer that
 * answers with a profile's block (2) (handshake.md §5–§6,
 * ultrapeers-and-routing.md §2). What happens after the handshake reuses the
 * routing and QRP steps.
 */
import { type DataTable, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import { listProfiles } from '../harness/peers/profiles.js';
import { ScriptedPeer } from '../harness/peers/scripted-peer.js';
import { parseTableSpec, tableFor } from '../harness/peers/table-spec.js';
import { shareSet } from '../harness/shares/share-set.js';
import type { ConformanceWorld } from './support/world.js';

/** How long the SUT may take to dial a fixture ultrapeer and finish the handshake. */
const ACCEPT_MS = 15_000;

function profileName(name: string): string {
  const known = listProfiles();
  if (!known.includes(name))
    throw new Error(`no header profile "${name}" in fixtures/profiles (have: ${known.join(', ')})`);
  return name;
}

/** A refused or failed handshake is kept for the step that judges it, not thrown where it happens. */
const failureKey = (name: string) => `handshake failure of "${name}"`;

async function handshake(
  world: ConformanceWorld,
  name: string,
  open: () => Promise<ScriptedPeer>,
): Promise<void> {
  try {
    world.addFixture(await open());
  } catch (err) {
    world.notes.set(failureKey(name), err instanceof Error ? err.message : String(err));
  }
}

When(
  'fixture leaf {string} connects to the SUT with the {word} headers, sharing {string}',
  async function (this: ConformanceWorld, name: string, profile: string, shares: string) {
    const options = {
      name,
      role: 'leaf' as const,
      profile: profileName(profile),
      library: shareSet(shares.split(',').map((s) => s.trim())),
    };
    await handshake(this, name, () => ScriptedPeer.connect(this.node().gnutella, options));
  },
);

When(
  '{string} accepts the SUT with the {word} headers',
  async function (this: ConformanceWorld, name: string, profile: string) {
    const options = { name, role: 'ultrapeer' as const, profile: profileName(profile) };
    await handshake(this, name, () => ScriptedPeer.accept(this.listener(name), options, ACCEPT_MS));
  },
);

Then(
  /^the SUT (?:accepted|confirmed) "([^"]+)" with status 200$/,
  function (this: ConformanceWorld, name: string) {
    const failure = this.notes.get(failureKey(name));
    expect(failure, `the handshake with "${name}"`).to.equal(undefined);
    this.fixture(name);
  },
);

/** `any`, `A or B`, `at least N`, `N to M`, or the exact value. */
function checkValue(header: string, got: string, want: string): void {
  const what = `${header}: "${got}"`;
  if (want === 'any') return;
  const atLeast = want.match(/^at least (\d+)$/);
  if (atLeast) {
    expect(Number(got), what).to.be.at.least(Number(atLeast[1]));
    return;
  }
  const range = want.match(/^(\d+) to (\d+)$/);
  if (range) {
    expect(Number(got), what).to.be.within(Number(range[1]), Number(range[2]));
    return;
  }
  expect(want.split(' or '), what).to.include(got);
}

Then(
  "the SUT's block to {string} carries:",
  function (this: ConformanceWorld, name: string, table: DataTable) {
    const headers = this.fixture(name).sutBlock.headers;
    for (const row of table.hashes()) {
      const header = row.header!;
      const got = headers.get(header);
      expect(got, `${header} in the SUT's block to "${name}"`).to.be.a('string');
      checkValue(header, got!, row.value!);
    }
  },
);

When('{string} sends the SUT its QRP table', function (this: ConformanceWorld, name: string) {
  const peer = this.fixture(name);
  const spec = parseTableSpec(undefined);
  peer.sendTable(tableFor(peer.library, spec), spec.patch);
});
