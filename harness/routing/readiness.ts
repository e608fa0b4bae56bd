/**
 * Real conditions a scenario waits for before it acts: a node has taken a
 * peer's QRP table. Read from the node's counters when its adapter offers
 * them; otherwise shown on the wire, by probe queries that must reach the leaf.
 */
import { MessageType } from '../../servent/src/core/wire/index.js';
import { nameWords } from '../oracle/route-table.js';
import type { Endpoint } from '../peers/fixture-peer.js';
import type { ScriptedPeer } from '../peers/scripted-peer.js';
import { AdapterCapabilityError, type ReportedLink, type SutAdapter } from '../sut/adapter.js';
import { eventually } from '../util/eventually.js';

export interface TableTaken {
  sut: SutAdapter;
  control: Endpoint | undefined;
  /** The peer whose table it is. */
  peer: ScriptedPeer;
  /** A fixture ultrapeer to send probe queries through when the adapter has no counters. */
  prober?: ScriptedPeer | undefined;
  timeoutMs: number;
}

/** The node's link to `peer`, matched by the port the peer's socket uses. */
export function linkOf(links: readonly ReportedLink[], at: Endpoint): ReportedLink | undefined {
  return links.find(
    (l) => l.remote.port === at.port && (l.remote.host === at.host || l.remote.host === ''),
  );
}

export async function waitForTableTaken(o: TableTaken): Promise<void> {
  const { sut, control, peer } = o;
  if (sut.stats && control) {
    const stats = sut.stats.bind(sut);
    await eventually(o.timeoutMs, `the SUT taking the QRP table of "${peer.name}"`, async () => {
      const report = await stats(control);
      const link = linkOf(report.links, peer.wire.local);
      if (!link)
        return `no link from ${peer.wire.local.host}:${peer.wire.local.port}; links: ${JSON.stringify(report.links.map((l) => l.remote))}`;
      if (!link.qrp?.received) return `link ${link.id} reports qrp ${JSON.stringify(link.qrp)}`;
      return undefined;
    });
    return;
  }
  const prober = o.prober;
  const word = peer.library[0] && nameWords(peer.library[0].name)[0];
  if (!prober || !word || peer.role !== 'leaf')
    throw new AdapterCapabilityError(
      sut.name,
      `report whether it has taken the QRP table of "${peer.name}" (no counters, and no probe possible)`,
    );
  await eventually(o.timeoutMs, `a probe query for "${word}" reaching "${peer.name}"`, async () => {
    const probe = prober.sendQuery({ criteria: word, ttl: 1, hops: 0 });
    await peer.waitForGuid(MessageType.Query, probe.guid, 300, 'a probe query');
    return undefined;
  });
}
