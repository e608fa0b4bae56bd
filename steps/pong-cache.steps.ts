/**
 * Pong-caching steps (ultrapeers-and-routing.md §8): fixture ultrapeers that
 * answer pings the way a pong-caching servent does, a fixture that pings the
 * SUT, and the pongs that come back, judged on the wire.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { Given, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import type { Decoded, ScriptedPeer } from '../harness/peers/scripted-peer.js';
import { nameList } from '../harness/routing/observe.js';
import { decodePongGgep } from '../servent/src/core/link/link-messages.js';
import {
  encodeGgep,
  ggepExtension,
  guidToHex,
  MessageType,
  type Pong,
} from '../servent/src/core/wire/index.js';
import { absenceWindow, eventually } from './support/eventually.js';
import type { ConformanceWorld } from './support/world.js';

/** How long an answer may take once the SUT has a ping. */
const ANSWER_MS = 5_000;
/** RT-12: at most one ping per link answered per this interval; the margin covers network jitter. */
const PING_INTERVAL_MS = 2_500;
const JITTER_MS = 300;

interface PingRun {
  sender: string;
  sent: Array<{ guid: string; at: number }>;
}

const pongsOf = (peer: ScriptedPeer): Decoded[] => peer.receivedOf(MessageType.Pong);

function pingRun(world: ConformanceWorld): PingRun {
  const run = world.notes.get('pings') as PingRun | undefined;
  if (!run) throw new Error('no fixture has sent pings in this scenario yet');
  return run;
}

/** The host a pong describes, as `ip:port`. */
function described(m: Decoded): string | undefined {
  return m.body?.kind === 'pong' ? `${m.body.pong.address}:${m.body.pong.port}` : undefined;
}

const endpointOf = (peer: ScriptedPeer): string =>
  `${peer.wire.local.host}:${peer.wire.local.port}`;

Given(
  /^(.+) answer pings as pong-caching ultrapeers do$/,
  function (this: ConformanceWorld, names: string) {
    for (const name of nameList(names)) this.fixture(name).answerPings();
  },
);

When(
  '{string} sends {int} pings with TTL {int}, one every {int} ms',
  async function (this: ConformanceWorld, name: string, count: number, ttl: number, every: number) {
    const peer = this.fixture(name);
    const run: PingRun = { sender: name, sent: [] };
    this.notes.set('pings', run);
    for (let i = 0; i < count; i++) {
      if (i > 0) await sleep(every);
      const guid = peer.sendPing(ttl, 0);
      run.sent.push({ guid: guidToHex(guid), at: Date.now() });
    }
    // The last ping's answer, if it gets one, has time to arrive.
    await absenceWindow(ANSWER_MS);
  },
);

When(
  /^"([^"]+)" sends a ping with TTL (\d+) and hops (\d+)( carrying SCP)?$/,
  async function (this: ConformanceWorld, name: string, ttl: string, hops: string, scp?: string) {
    const peer = this.fixture(name);
    const ggep = scp ? encodeGgep([ggepExtension('SCP', Uint8Array.of(0))]) : undefined;
    const guid = peer.sendPing(Number(ttl), Number(hops), ggep);
    this.notes.set('pings', { sender: name, sent: [{ guid: guidToHex(guid), at: Date.now() }] });
    await eventually(ANSWER_MS, `a pong for "${name}"'s ping`, async () =>
      pongsOf(peer).some((m) => guidToHex(m.header.guid) === guidToHex(guid)) ? undefined : 'none',
    );
    this.sign();
  },
);

Then(
  'the SUT answered at most one of those pings per 2.5 seconds, and at least one',
  function (this: ConformanceWorld) {
    const run = pingRun(this);
    const peer = this.fixture(run.sender);
    const answeredGuids = new Set(pongsOf(peer).map((m) => guidToHex(m.header.guid)));
    const answered = run.sent.filter((p) => answeredGuids.has(p.guid));
    expect(answered.length, 'pings answered').to.be.greaterThan(0);
    for (let i = 1; i < answered.length; i++) {
      const gap = answered[i]!.at - answered[i - 1]!.at;
      expect(gap, `gap between answered pings ${i} and ${i + 1} (RT-12)`).to.be.at.least(
        PING_INTERVAL_MS - JITTER_MS,
      );
    }
    expect(answered.length, 'fewer answered than sent').to.be.lessThan(run.sent.length);
  },
);

Then(
  'every pong the SUT sent {string} carries the GUID of one of its pings, at most {int} pongs a ping',
  function (this: ConformanceWorld, name: string, most: number) {
    const run = pingRun(this);
    const ours = new Set(run.sent.map((p) => p.guid));
    const perPing = new Map<string, number>();
    for (const m of pongsOf(this.fixture(name))) {
      const guid = guidToHex(m.header.guid);
      expect(ours.has(guid), `pong ${guid} answers one of the pings (RT-11)`).to.be.true;
      perPing.set(guid, (perPing.get(guid) ?? 0) + 1);
    }
    for (const [guid, n] of perPing)
      expect(n, `pongs for ping ${guid} (RT-11)`).to.be.at.most(most);
  },
);

Then(
  /^"([^"]+)" got cached pongs describing (.+), each with hops of at least 1$/,
  function (this: ConformanceWorld, name: string, others: string) {
    const pongs = pongsOf(this.fixture(name));
    for (const other of nameList(others)) {
      const about = endpointOf(this.fixture(other));
      const found = pongs.filter((m) => described(m) === about);
      expect(found.length, `a pong describing "${other}" (${about})`).to.be.greaterThan(0);
      for (const m of found)
        expect(m.header.hops, `hops of the pong about "${other}"`).to.be.at.least(1);
    }
  },
);

Then(
  /^none of those pings reached (.+), which got only pings of the SUT's own, with hops 0$/,
  function (this: ConformanceWorld, names: string) {
    const ours = new Set(pingRun(this).sent.map((p) => p.guid));
    for (const name of nameList(names)) {
      for (const m of this.fixture(name).receivedOf(MessageType.Ping)) {
        expect(ours.has(guidToHex(m.header.guid)), `"${name}" got a relayed ping (RT-11)`).to.be
          .false;
        expect(m.header.hops, `hops of a ping at "${name}"`).to.equal(0);
      }
    }
  },
);

Then(
  /^"([^"]+)" receives one pong describing each of (.+), with hops 1, and no pong about the SUT$/,
  function (this: ConformanceWorld, name: string, others: string) {
    const guid = pingRun(this).sent[0]!.guid;
    const pongs = pongsOf(this.fixture(name)).filter((m) => guidToHex(m.header.guid) === guid);
    for (const other of nameList(others)) {
      const about = endpointOf(this.fixture(other));
      const found = pongs.filter((m) => described(m) === about);
      expect(found.length, `pongs describing "${other}" (${about}) (RT-13)`).to.equal(1);
      expect(found[0]!.header.hops, 'hops').to.equal(1);
    }
    const sut = this.node().gnutella.host;
    expect(
      pongs.filter((m) => described(m)?.startsWith(`${sut}:`)).length,
      'pongs about the SUT',
    ).to.equal(0);
  },
);

Then(
  /^the SUT's own pong to "([^"]+)" marks an ultrapeer and carries GGEP "DU" and "UP"$/,
  function (this: ConformanceWorld, name: string) {
    const own = ownPong(this, name);
    const kb = own.sharedKilobytes;
    expect(kb >= 8 && (kb & (kb - 1)) === 0, `KB ${kb} a power of two ≥ 8 (RT-14)`).to.be.true;
    const ggep = decodePongGgep(own.ggep);
    expect(ggep.ok, 'a readable GGEP block').to.be.true;
    if (!ggep.ok) return;
    expect(ggep.value.ids, 'GGEP keys').to.include.members(['DU', 'UP']);
  },
);

Then(
  /^the SUT's own pong to "([^"]+)" carries an IPP whose length is a multiple of 6, naming (.+)$/,
  function (this: ConformanceWorld, name: string, others: string) {
    const own = ownPong(this, name);
    const ggep = decodePongGgep(own.ggep);
    expect(ggep.ok, 'a readable GGEP block (an IPP of whole 6-byte records)').to.be.true;
    if (!ggep.ok) return;
    const ipp = (ggep.value.ipp ?? []).map((h) => `${h.host}:${h.port}`);
    for (const other of nameList(others))
      expect(ipp, `IPP (RT-16)`).to.include(endpointOf(this.fixture(other)));
  },
);

/** The pong about the SUT itself among the answers to the last ping: hops 0, the SUT's address. */
function ownPong(world: ConformanceWorld, name: string): Pong {
  const guid = pingRun(world).sent.at(-1)!.guid;
  const sut = world.node().gnutella.host;
  for (const m of pongsOf(world.fixture(name))) {
    if (guidToHex(m.header.guid) !== guid || m.header.hops !== 0) continue;
    if (m.body?.kind === 'pong' && m.body.pong.address === sut) return m.body.pong;
  }
  throw new Error(`no pong about the SUT (${sut}) answers the ping`);
}
