/**
 * Test support for the overlay: a small library, message builders, and an
 * in-memory network that moves every `pollTransmit` output into the other
 * side's `handleMessage`, with a fake clock and seeded GUIDs.
 */
import { createHash } from 'node:crypto';
import {
  type LocalQuery,
  type LocalResult,
  type LocalSearch,
  Overlay,
  type OverlayEvent,
  type OverlayTunables,
  type PeerCapabilities,
} from '../../src/core/overlay/index.js';
import {
  buildTable,
  encodeRouteTableMessage,
  fileKeywords,
  queryKeywords,
  routeTableUpdates,
  type TableShape,
} from '../../src/core/qrp/index.js';
import {
  encodeMessage,
  encodeQuery,
  encodeQueryHit,
  formatUrn,
  type GgepExtension,
  guidToHex,
  type MessageHeader,
  MessageType,
  type QueryHitResult,
  urnBlock,
} from '../../src/core/wire/index.js';

export const CAPS: PeerCapabilities = {
  peerMode: 'ultrapeer',
  byePacket: true,
  vendorMessages: true,
  ggep: true,
  maxTtl: 4,
  extProbes: false,
  queryRouting: true,
  ultrapeerQueryRouting: true,
  degree: 32,
};

export const caps = (partial: Partial<PeerCapabilities> = {}): PeerCapabilities => ({
  ...CAPS,
  ...partial,
});

/** mulberry32 bytes: seeded, so GUIDs repeat from run to run. */
export function seededRandom(seed: number): (n: number) => Uint8Array {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  return (n) => Uint8Array.from({ length: n }, () => next() & 0xff);
}

export const sha1Of = (name: string): Uint8Array =>
  new Uint8Array(createHash('sha1').update(name).digest());

/** Names matched word by word (each query word a keyword of the name), SHA-1 by the name's hash. */
export class TestLibrary implements LocalSearch {
  files: LocalResult[] = [];
  matched: LocalQuery[] = [];

  constructor(names: readonly string[] = []) {
    for (const name of names) this.add(name);
  }

  add(name: string, size = 1000 + this.files.length): LocalResult {
    const file = { index: this.files.length + 1, name, size, sha1: sha1Of(name) };
    this.files.push(file);
    return file;
  }

  match(query: LocalQuery, limit: number): LocalResult[] {
    this.matched.push(query);
    const words = queryKeywords(query.criteria);
    return this.files
      .filter((file) => {
        if (query.sha1s.some((sha1) => Buffer.from(sha1).equals(file.sha1!))) return true;
        const keywords = new Set(fileKeywords(file.name));
        return words.length > 0 && words.every((w) => keywords.has(w));
      })
      .slice(0, limit);
  }

  *qrpKeywords(): Iterable<string> {
    for (const file of this.files) {
      yield* fileKeywords(file.name);
      yield formatUrn({ type: 'sha1', sha1: file.sha1! });
    }
  }
}

export interface NodeOptions {
  mode: 'ultrapeer' | 'leaf';
  names?: readonly string[];
  seed?: number;
  now?: number;
  tunables?: Partial<OverlayTunables>;
  extProbes?: boolean;
  host?: string;
}

export function makeNode(options: NodeOptions): {
  overlay: Overlay;
  library: TestLibrary;
  serventId: Uint8Array;
} {
  const random = seededRandom(options.seed ?? 1);
  const serventId = random(16);
  const library = new TestLibrary(options.names);
  const overlay = new Overlay({
    mode: options.mode,
    serventId,
    random,
    now: options.now ?? 0,
    self: () => ({
      host: options.host ?? '10.0.0.1',
      port: 6346,
      sharedFiles: library.files.length,
      sharedKilobytes: 100,
    }),
    search: library,
    tunables: options.tunables,
    extProbes: options.extProbes,
  });
  return { overlay, library, serventId };
}

let guidCounter = 0;
/** A distinct GUID per call, marked like ours (byte 8 0xff, byte 15 0). */
export function testGuid(): Uint8Array {
  const guid = new Uint8Array(16);
  new DataView(guid.buffer).setUint32(0, ++guidCounter, true);
  guid[4] = 0x7e;
  guid[8] = 0xff;
  return guid;
}

export function query(
  text: string,
  fields: {
    guid?: Uint8Array;
    ttl?: number;
    hops?: number;
    urns?: Uint8Array[];
    /** A GGEP block after the URNs (a "What's New?" query's `WH`). */
    ggep?: GgepExtension[];
  } = {},
): Uint8Array {
  return encodeMessage(
    {
      guid: fields.guid ?? testGuid(),
      type: MessageType.Query,
      ttl: fields.ttl ?? 3,
      hops: fields.hops ?? 0,
    },
    encodeQuery({
      flags: 0x8000,
      criteria: text,
      extensions: [
        ...(fields.urns ?? []).map((sha1) => urnBlock({ type: 'sha1', sha1 })),
        ...(fields.ggep ? [{ kind: 'ggep' as const, extensions: fields.ggep }] : []),
      ],
      trailingNul: false,
    }),
  );
}

/** A query hit for `guid` from 10.0.0.3:1 (address and records as given), TTL 3. */
export function hit(
  guid: Uint8Array,
  fields: {
    serventId?: Uint8Array;
    address?: string;
    names?: string[];
    results?: QueryHitResult[];
  } = {},
): Uint8Array {
  const results =
    fields.results ??
    (fields.names ?? ['x']).map((name) => ({ index: 1, size: 1, name, extensions: [] }));
  return raw(
    MessageType.QueryHit,
    encodeQueryHit({
      port: 1,
      address: fields.address ?? '10.0.0.3',
      speed: 0,
      results,
      serventId: fields.serventId ?? testGuid(),
    }),
    { guid, ttl: 3 },
  );
}

export function raw(
  type: number,
  payload: Uint8Array,
  fields: { guid?: Uint8Array; ttl?: number; hops?: number } = {},
): Uint8Array {
  return encodeMessage(
    { guid: fields.guid ?? testGuid(), type, ttl: fields.ttl ?? 1, hops: fields.hops ?? 0 },
    payload,
  );
}

/** RESET + PATCH messages of a table over `names` (and their SHA-1 URNs), as a leaf would send. */
export function tableMessages(
  names: readonly string[],
  shape: TableShape = { bits: 16, infinity: 7 },
): Uint8Array[] {
  const library = new TestLibrary(names);
  const table = buildTable(
    library.files.map((f) => ({
      name: f.name,
      urns: [formatUrn({ type: 'sha1', sha1: f.sha1! })],
    })),
    shape,
  );
  return routeTableUpdates(undefined, table).map((u) => encodeRouteTableMessage(testGuid(), u));
}

export interface Sent extends Omit<MessageHeader, 'guid'> {
  link: number;
  guid: string;
  message: Uint8Array;
  payload: Uint8Array;
}

export function sentOf(link: number, message: Uint8Array): Sent {
  return {
    link,
    guid: guidToHex(message.subarray(0, 16)),
    type: message[16]!,
    ttl: message[17]!,
    hops: message[18]!,
    length: message.length - 23,
    message,
    payload: message.subarray(23),
  };
}

/** Everything the overlay hands out now. */
export function drain(overlay: Overlay): Sent[] {
  const out: Sent[] = [];
  for (let next = overlay.pollTransmit(); next; next = overlay.pollTransmit()) {
    out.push(sentOf(next.link, next.message));
  }
  return out;
}

export function drainEvents(overlay: Overlay): OverlayEvent[] {
  const out: OverlayEvent[] = [];
  for (let event = overlay.pollEvent(); event; event = overlay.pollEvent()) out.push(event);
  return out;
}

export const ofType = (sent: readonly Sent[], type: number) => sent.filter((s) => s.type === type);

interface NetNode {
  name: string;
  mode: 'ultrapeer' | 'leaf';
  overlay: Overlay;
  library: TestLibrary;
  serventId: Uint8Array;
  events: OverlayEvent[];
  /** link id → the other end. */
  wires: Map<number, { node: NetNode; link: number }>;
}

export interface Delivery extends Sent {
  from: string;
  to: string;
}

/** Overlays wired together in memory, one fake clock for all. */
export class Net {
  now = 0;
  readonly nodes = new Map<string, NetNode>();
  readonly log: Delivery[] = [];
  #nextLink = 1;
  #seed = 1;

  add(name: string, options: Omit<NodeOptions, 'now' | 'seed'>): NetNode {
    const made = makeNode({ ...options, now: this.now, seed: this.#seed++ });
    const node: NetNode = { name, mode: options.mode, ...made, events: [], wires: new Map() };
    this.nodes.set(name, node);
    return node;
  }

  node(name: string): NetNode {
    const node = this.nodes.get(name);
    if (!node) throw new Error(`no node ${name}`);
    return node;
  }

  /** A completed handshake between a and b; each side's caps say what the other is. */
  connect(
    a: string,
    b: string,
    capsOfB: Partial<PeerCapabilities> = {},
    capsOfA: Partial<PeerCapabilities> = {},
  ): [number, number] {
    const na = this.node(a);
    const nb = this.node(b);
    const la = this.#nextLink++;
    const lb = this.#nextLink++;
    na.wires.set(la, { node: nb, link: lb });
    nb.wires.set(lb, { node: na, link: la });
    na.overlay.addLink(la, caps({ peerMode: nb.mode, ...capsOfB }), this.now);
    nb.overlay.addLink(lb, caps({ peerMode: na.mode, ...capsOfA }), this.now);
    this.flush();
    return [la, lb];
  }

  /** The link id on `from` that leads to `to`. */
  linkTo(from: string, to: string): number {
    for (const [id, wire] of this.node(from).wires) if (wire.node.name === to) return id;
    throw new Error(`${from} has no link to ${to}`);
  }

  /** Moves messages until nobody has anything to send. */
  flush(): void {
    for (let round = 0; round < 10_000; round++) {
      let moved = false;
      for (const node of this.nodes.values()) {
        for (let next = node.overlay.pollTransmit(); next; next = node.overlay.pollTransmit()) {
          moved = true;
          const wire = node.wires.get(next.link);
          if (!wire) continue;
          this.log.push({
            ...sentOf(wire.link, next.message),
            from: node.name,
            to: wire.node.name,
          });
          wire.node.overlay.handleMessage(wire.link, next.message, this.now);
        }
        for (let event = node.overlay.pollEvent(); event; event = node.overlay.pollEvent()) {
          node.events.push(event);
          if (event.type === 'close-link') this.#cut(node, event.link);
        }
      }
      if (!moved) return;
    }
    throw new Error('the network did not settle');
  }

  /** Lets `ms` pass, firing every timer on the way. */
  advance(ms: number): void {
    const until = this.now + ms;
    for (let step = 0; ; step++) {
      if (step > 100_000) throw new Error('timers keep firing without time passing');
      let next = Number.POSITIVE_INFINITY;
      for (const node of this.nodes.values())
        next = Math.min(next, node.overlay.nextTimeout() ?? next);
      if (next > until) break;
      this.now = Math.max(this.now, next);
      for (const node of this.nodes.values()) node.overlay.handleTimeout(this.now);
      this.flush();
    }
    this.now = until;
  }

  /** Messages delivered to `to` of a type since `since` (an index into the log). */
  received(to: string, type: number, since = 0): Delivery[] {
    return this.log.slice(since).filter((d) => d.to === to && d.type === type);
  }

  events(name: string, type: OverlayEvent['type']): OverlayEvent[] {
    return this.node(name).events.filter((e) => e.type === type);
  }

  #cut(node: NetNode, link: number): void {
    const wire = node.wires.get(link);
    if (!wire) return;
    node.wires.delete(link);
    wire.node.wires.delete(wire.link);
    node.overlay.removeLink(link, this.now);
    wire.node.overlay.removeLink(wire.link, this.now);
  }
}

/** Fires every overlay timer up to `until`; what was sent, with the time it went. */
export function runUntil(overlay: Overlay, until: number): (Sent & { at: number })[] {
  const out: (Sent & { at: number })[] = [];
  for (let i = 0; i < 10_000; i++) {
    const at = overlay.nextTimeout();
    if (at === undefined || at > until) return out;
    overlay.handleTimeout(at);
    for (const s of drain(overlay)) out.push({ ...s, at });
  }
  throw new Error('timers keep firing');
}
