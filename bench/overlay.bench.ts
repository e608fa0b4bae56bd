/**
 * Queries per second through one ultrapeer Overlay with 50 leaf links, in
 * memory: each query arrives from a neighbouring ultrapeer (TTL 2, hops 1, a
 * fresh GUID), is checked for duplicates, matched against our (empty) library
 * and every leaf's QRP table, and relayed; the transmit queues are drained
 * after each one. Three mixes: no leaf's table matches, one leaf matches, ten
 * leaves match. The full system's targets over real sockets are 150 000
 * queries/s (no match) and 40 000 (ten match), so the core must be far faster.
 */
import { Overlay, type PeerCapabilities } from '../servent/src/core/overlay/index.js';
import {
  buildTable,
  encodeRouteTableMessage,
  routeTableUpdates,
} from '../servent/src/core/qrp/index.js';
import { encodeMessage, encodeQuery, MessageType } from '../servent/src/core/wire/index.js';
import { runBench } from './lib.js';

const LEAVES = 50;
const BATCH = 1_000;

const caps = (peerMode: 'ultrapeer' | 'leaf'): PeerCapabilities => ({
  peerMode,
  byePacket: true,
  vendorMessages: true,
  ggep: true,
  maxTtl: 4,
  extProbes: false,
  queryRouting: true,
  ultrapeerQueryRouting: false,
  degree: 32,
});

/** Counter bytes, so GUIDs never repeat. */
function counterRandom(): (n: number) => Uint8Array {
  let counter = 0;
  return (n) => {
    const bytes = new Uint8Array(n);
    new DataView(bytes.buffer).setUint32(0, ++counter, true);
    return bytes;
  };
}

/** Leaf i shares 200 names of its own words, plus `common<k>` for k < i+1 when i < 10. */
function leafNames(i: number): { name: string }[] {
  const names = Array.from({ length: 200 }, (_, k) => ({
    name: `leaf${i} title${k} track${k % 17}.mp3`,
  }));
  for (let k = i; k < 10; k++) names.push({ name: `common${k} shared.ogg` });
  return names;
}

function ultrapeer(): { overlay: Overlay; source: number } {
  const overlay = new Overlay({
    mode: 'ultrapeer',
    serventId: new Uint8Array(16).fill(7),
    random: counterRandom(),
    now: 0,
    self: () => ({ host: '10.0.0.1', port: 6346, sharedFiles: 0, sharedKilobytes: 0 }),
    search: { match: () => [], qrpKeywords: () => [] },
  });
  const source = 1_000;
  overlay.addLink(source, caps('ultrapeer'), 0);
  for (let i = 0; i < LEAVES; i++) {
    overlay.addLink(i, caps('leaf'), 0);
    const table = buildTable(leafNames(i));
    for (const update of routeTableUpdates(undefined, table)) {
      overlay.handleMessage(i, encodeRouteTableMessage(new Uint8Array(16), update), 0);
    }
  }
  while (overlay.pollTransmit()) {}
  return { overlay, source };
}

/** A query message whose GUID bytes 0–3 the runner rewrites for each send. */
const template = (text: string) =>
  encodeMessage(
    { guid: new Uint8Array(16).fill(0xab), type: MessageType.Query, ttl: 2, hops: 1 },
    encodeQuery({ flags: 0x8000, criteria: text, extensions: [], trailingNul: false }),
  );

function runner(text: string, expectedLeaves: number) {
  const { overlay, source } = ultrapeer();
  const message = template(text);
  const view = new DataView(message.buffer);
  let counter = 0;
  let now = 0;
  const send = () => {
    view.setUint32(0, ++counter, true);
    overlay.handleMessage(source, message, now);
    let sent = 0;
    while (overlay.pollTransmit()) sent++;
    return sent;
  };
  const check = send();
  if (check !== expectedLeaves)
    throw new Error(`"${text}" reached ${check} leaves, expected ${expectedLeaves}`);
  return () => {
    now += 1;
    for (let i = 0; i < BATCH; i++) send();
  };
}

export async function main(): Promise<void> {
  await runBench(`Overlay: one ultrapeer, ${LEAVES} leaves, queries from a neighbour`, [
    {
      name: 'no leaf matches',
      fn: runner('nothing matches here', 0),
      items: BATCH,
      unit: 'queries',
    },
    { name: 'one leaf matches', fn: runner('leaf7 title42', 1), items: BATCH, unit: 'queries' },
    { name: 'ten leaves match', fn: runner('common9 shared', 10), items: BATCH, unit: 'queries' },
  ]);
}
