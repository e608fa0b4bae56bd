/**
 * A scripted Gnutella peer with a role: a fixture leaf or ultrapeer that
 * completes a 0.6 handshake with a real client's headers (gtk-gnutella's
 * unless told otherwise; either side opening), then sends what a scenario
 * asks — queries, query hits, QRP tables, Hops Flow, even messages of unknown
 * types — and keeps everything the node sends, decoded with the core codec on
 * demand.
 */
import { randomBytes } from 'node:crypto';
import type { HeaderBlock } from '../../servent/src/core/handshake/index.js';
import { decodeBody, type MessageBody } from '../../servent/src/core/message-body.js';
import {
  encodeRouteTableMessage,
  type PatchOptions,
  type QueryRouteTable,
  type RouteTableUpdate,
  routeTableUpdates,
} from '../../servent/src/core/qrp/index.js';
import {
  encodeMessage,
  encodePing,
  encodePong,
  encodeQuery,
  encodeQueryHit,
  encodeVendorMessage,
  eqhdOpenData,
  type Guid,
  guidToHex,
  MessageType,
  type Query,
  type QueryHit,
  urnBlock,
} from '../../servent/src/core/wire/index.js';
import type { ShareFile } from '../shares/share-set.js';
import {
  type Endpoint,
  type FixtureListener,
  FixturePeer,
  type ReceivedMessage,
} from './fixture-peer.js';
import { type ClientProfile, type Fields, loadProfile, personalise, without } from './profiles.js';

export type PeerRole = 'leaf' | 'ultrapeer';

export interface ScriptedPeerOptions {
  name: string;
  role: PeerRole;
  /** An ultrapeer advertises X-Ultrapeer-Query-Routing (default true, as gtk-gnutella does). */
  upQrp?: boolean;
  /** Whose header set the handshake uses: a name in fixtures/profiles (default gtk-gnutella 1.2.3). */
  profile?: string;
  /** What it shares: the files its hits name and its QRP table is built from. */
  library?: ShareFile[];
}

export interface QueryToSend {
  criteria: string;
  ttl: number;
  hops: number;
  /** Reuse a GUID (a duplicate); fresh otherwise. */
  guid?: Guid;
  /** URN strings for the extension area; default `urn:` (HUGE: "put URNs in your hits"). */
  urns?: string[];
}

/** A query a fixture sent, for later matching of copies and hits. */
export interface SentQuery {
  guid: Guid;
  criteria: string;
  ttl: number;
  hops: number;
  sender: string;
}

/** A received message with its body decoded by the core (or the decoder's complaint). */
export interface Decoded extends ReceivedMessage {
  body: MessageBody | undefined;
  error: string | undefined;
}

const DEFAULT_PROFILE = 'gtk-gnutella-1.2.3';
const profiles = new Map<string, ClientProfile>();
/** Each profile file is read once per run. */
function profileNamed(name: string): ClientProfile {
  let profile = profiles.get(name);
  if (!profile) {
    profile = loadProfile(name);
    profiles.set(name, profile);
  }
  return profile;
}
/** Headers of the recorded profile that would start TLS or compression, and per-node values we set. */
const NOT_REPLAYED = ['Upgrade', 'Connection', 'Content-Encoding', 'Accept-Encoding', 'GUID'];
/** Query flags: the field holds flags (MSG-24); nothing else asked. */
const QUERY_FLAGS = 0x8000;
const HOPS_FLOW = { kind: 'hops-flow', version: 1 } as const;
/** A power of two ≥ 8 in a pong's KB field marks an ultrapeer (MSG-38). */
const ULTRAPEER_KB = 8;

export class ScriptedPeer {
  readonly library: ShareFile[];
  /** The table this peer last sent in full, if any. */
  table: QueryRouteTable | undefined;
  readonly #decoded: Decoded[] = [];

  private constructor(
    readonly name: string,
    readonly role: PeerRole,
    readonly wire: FixturePeer,
    /** The node's block (2) when we opened, its block (1) when it did. */
    readonly sutBlock: HeaderBlock,
    library: ShareFile[],
    /** Ours, in the `GUID` handshake header and the last 16 bytes of our hits. */
    readonly serventId: Guid,
  ) {
    this.library = library;
  }

  /** Opens a connection to the node and completes the handshake; throws if the node refuses. */
  static async connect(
    to: Endpoint,
    options: ScriptedPeerOptions,
    timeoutMs = 5_000,
  ): Promise<ScriptedPeer> {
    const wire = await FixturePeer.connect(to, options.name, timeoutMs);
    const serventId = randomBytes(16);
    wire.writeBlock(
      'GNUTELLA CONNECT/0.6',
      handshakeFields(options, wire.local, to.host, serventId, true),
    );
    let block: HeaderBlock;
    try {
      block = await wire.readBlock(timeoutMs);
    } catch (err) {
      wire.close();
      throw err;
    }
    if (!/^GNUTELLA\/0\.6 200\b/.test(block.firstLine)) {
      wire.close();
      throw new Error(`${options.name}: the node refused the handshake: "${block.firstLine}"`);
    }
    wire.startMessages({ receive: compresses(block), send: false });
    wire.writeBlock('GNUTELLA/0.6 200 OK', []);
    return ScriptedPeer.#make(options, wire, block, serventId);
  }

  /** Takes the node's next connection to `listener` and accepts it as an ultrapeer. */
  static async accept(
    listener: FixtureListener,
    options: ScriptedPeerOptions,
    timeoutMs = 10_000,
  ): Promise<ScriptedPeer> {
    const deadline = Date.now() + timeoutMs;
    const left = () => Math.max(1, deadline - Date.now());
    const wire = await listener.accept(left());
    const serventId = randomBytes(16);
    const request = await wire.readBlock(left());
    const sutHost = wire.remote.host.replace(/^::ffff:/, '');
    wire.writeBlock(
      'GNUTELLA/0.6 200 OK',
      handshakeFields(options, listener.endpoint, sutHost, serventId, false),
    );
    const confirmation = await wire.readBlock(left());
    if (!/^GNUTELLA\/0\.6 200\b/.test(confirmation.firstLine)) {
      wire.close();
      throw new Error(
        `${options.name}: the node did not confirm the handshake: "${confirmation.firstLine}"`,
      );
    }
    wire.startMessages({ receive: compresses(confirmation), send: false });
    return ScriptedPeer.#make(options, wire, request, serventId);
  }

  static #make(
    options: ScriptedPeerOptions,
    wire: FixturePeer,
    block: HeaderBlock,
    serventId: Guid,
  ): ScriptedPeer {
    return new ScriptedPeer(
      options.name,
      options.role,
      wire,
      block,
      options.library ?? [],
      serventId,
    );
  }

  // ---------------------------------------------------------------- sending

  /**
   * From now on answers every ping with a pong about itself (hops 0, an
   * ultrapeer's KB mark) and one pong per host in `others` (hops 1), as a
   * pong-caching ultrapeer does (ultrapeers-and-routing.md §8).
   */
  answerPings(others: readonly Endpoint[] = []): void {
    this.wire.onMessage((m) => {
      if (m.header.type !== MessageType.Ping || this.closed) return;
      const pongs = [
        { about: this.wire.local, hops: 0 },
        ...others.map((about) => ({ about, hops: 1 })),
      ];
      for (const { about, hops } of pongs) {
        const payload = encodePong({
          port: about.port,
          address: about.host,
          sharedFiles: 0,
          sharedKilobytes: ULTRAPEER_KB,
          ggep: new Uint8Array(0),
        });
        this.send(MessageType.Pong, payload, {
          guid: m.header.guid,
          ttl: Math.max(1, m.header.hops + 1),
          hops,
        });
      }
    });
  }

  /** Sends a ping; `ggep` goes after the (empty) fixed part, as in a ping with SCP. */
  sendPing(ttl: number, hops: number, ggep: Uint8Array = new Uint8Array(0)): Guid {
    return this.send(MessageType.Ping, encodePing({ ggep }), { ttl, hops });
  }

  /** Sends one message; returns its GUID. */
  send(
    type: number,
    payload: Uint8Array,
    header: { guid?: Guid; ttl: number; hops: number },
  ): Guid {
    const guid = header.guid ?? freshGuid();
    this.wire.sendMessage(
      encodeMessage({ guid, type, ttl: header.ttl, hops: header.hops }, payload),
    );
    return guid;
  }

  /** A keyword query (or, with criteria `\` and `urns`, a URN query) asking for URNs in hits. */
  sendQuery(q: QueryToSend): SentQuery {
    const { bytes, query } = this.buildQuery(q);
    this.wire.sendMessage(bytes);
    return query;
  }

  /** The bytes of a query, unsent: to put it in one segment with something else. */
  buildQuery(q: QueryToSend): { bytes: Uint8Array; query: SentQuery } {
    const payload: Query = {
      flags: QUERY_FLAGS,
      criteria: q.criteria,
      extensions: (q.urns && q.urns.length > 0 ? q.urns : ['urn:']).map((u) => urnBlock(u)),
      trailingNul: false,
    };
    const guid = q.guid ?? freshGuid();
    const bytes = encodeMessage(
      { guid, type: MessageType.Query, ttl: q.ttl, hops: q.hops },
      encodeQuery(payload),
    );
    return {
      bytes,
      query: { guid, criteria: q.criteria, ttl: q.ttl, hops: q.hops, sender: this.name },
    };
  }

  /** Bytes as they are, in one write: whole messages, or anything a scenario needs to send. */
  sendBytes(bytes: Uint8Array): void {
    this.wire.sendMessage(bytes);
  }

  /** A query hit naming `files` (default: the whole library), with a gtk-style EQHD and our servent id. */
  sendHit(h: { guid: Guid; ttl: number; hops?: number; files?: ShareFile[] }): void {
    const files = h.files ?? this.library;
    if (files.length === 0) throw new Error(`${this.name}: a query hit needs at least one file`);
    const hit: QueryHit = {
      port: this.wire.local.port,
      address: this.wire.local.host,
      speed: 1000,
      results: files.map((f, i) => ({
        index: i + 1,
        size: f.size,
        name: f.name,
        extensions: [urnBlock(f.urn)],
      })),
      trailer: {
        vendor: 'GTKG',
        openData: eqhdOpenData({ push: false, busy: false, uploaded: false }),
        vendorData: new Uint8Array(),
        ggep: [],
        afterGgep: new Uint8Array(),
        xml: new Uint8Array(),
      },
      serventId: this.serventId,
    };
    this.send(MessageType.QueryHit, encodeQueryHit(hit), {
      guid: h.guid,
      ttl: h.ttl,
      hops: h.hops ?? 0,
    });
  }

  /** The updates that make `table` this peer's table from nothing (RESET, then PATCHes). */
  tableUpdates(table: QueryRouteTable, options: PatchOptions = {}): RouteTableUpdate[] {
    return routeTableUpdates(undefined, table, options);
  }

  /** Sends route table updates as they are, each with a fresh GUID, TTL 1, hops 0. */
  sendUpdates(updates: readonly RouteTableUpdate[]): void {
    for (const update of updates)
      this.wire.sendMessage(encodeRouteTableMessage(freshGuid(), update));
  }

  /** Sends a whole table: RESET and the complete PATCH sequence. */
  sendTable(table: QueryRouteTable, options: PatchOptions = {}): RouteTableUpdate[] {
    const updates = this.tableUpdates(table, options);
    this.sendUpdates(updates);
    this.table = table;
    return updates;
  }

  /** A ROUTE_TABLE_UPDATE payload written byte by byte, well-formed or not (QRP-13, QRP-14). */
  sendRawUpdate(payload: Uint8Array): void {
    this.send(MessageType.RouteTableUpdate, payload, { ttl: 1, hops: 0 });
  }

  /** BEAR/4 v1 with one byte: only queries with fewer hops than `hops`, please (RT-10). */
  sendHopsFlow(hops: number): Guid {
    return this.send(MessageType.Vendor, encodeVendorMessage({ ...HOPS_FLOW, hops }), {
      ttl: 1,
      hops: 0,
    });
  }

  /**
   * Proves the node has read everything we sent before: an alive ping
   * (TTL 1, hops 0, answered at once per MSG-20) and its pong. Resolves
   * 'closed' if the node closed the connection instead.
   */
  async sync(timeoutMs = 5_000): Promise<'answered' | 'closed'> {
    const guid = this.send(MessageType.Ping, new Uint8Array(), { ttl: 1, hops: 0 });
    try {
      await this.wire.nextMessage(
        (m) => m.header.type === MessageType.Pong && Buffer.from(m.header.guid).equals(guid),
        timeoutMs,
        `a pong for our alive ping ${guidToHex(guid)}`,
      );
      return 'answered';
    } catch (err) {
      if (this.closed) return 'closed';
      throw err;
    }
  }

  get closed(): boolean {
    return this.wire.inbox.endedAt !== undefined;
  }

  close(): void {
    this.wire.close();
  }

  // ---------------------------------------------------------------- receiving

  /** Every message the node sent us so far, decoded. */
  received(): Decoded[] {
    const messages = this.wire.messages;
    for (let i = this.#decoded.length; i < messages.length; i++) {
      const m = messages[i]!;
      const body = decodeBody(m.header.type, m.payload);
      this.#decoded.push({
        ...m,
        body: body.ok ? body.value : undefined,
        error: body.ok ? undefined : body.error.message,
      });
    }
    return this.#decoded;
  }

  /** Messages of `type` (and GUID, if given) received so far. */
  receivedOf(type: number, guid?: Guid): Decoded[] {
    return this.received().filter(
      (m) =>
        m.header.type === type && (guid === undefined || Buffer.from(m.header.guid).equals(guid)),
    );
  }

  /** Waits for the first message satisfying `match`, decoded. */
  async waitFor(match: (m: Decoded) => boolean, timeoutMs: number, what: string): Promise<Decoded> {
    await this.wire.inbox.waitFor(
      (_pending, ended) => {
        if (this.received().some(match)) return true;
        if (ended)
          throw new Error(`${this.name}: the node closed the connection before sending ${what}`);
        return undefined;
      },
      timeoutMs,
      `${this.name}: ${what}`,
    );
    return this.received().find(match)!;
  }

  /** Waits for a message of `type` carrying `guid`. */
  waitForGuid(type: number, guid: Guid, timeoutMs: number, what: string): Promise<Decoded> {
    return this.waitFor(
      (m) => m.header.type === type && Buffer.from(m.header.guid).equals(guid),
      timeoutMs,
      what,
    );
  }
}

/** 16 random bytes marked as a modern GUID (byte 8 = 0xff, byte 15 = 0). */
export function freshGuid(): Guid {
  const guid = randomBytes(16);
  guid[8] = 0xff;
  guid[15] = 0x00;
  return guid;
}

function compresses(block: HeaderBlock): boolean {
  return block.headers.get('Content-Encoding')?.toLowerCase() === 'deflate';
}

/**
 * The profile's header set for the role (gtk-gnutella 1.2.3's by default),
 * with this connection's addresses and our id. An ultrapeer that opens the
 * connection names its address in `Node`, as gtk-gnutella's block (1) does
 * (the recorded leaf request shows it); its recorded answer block has none.
 */
function handshakeFields(
  options: ScriptedPeerOptions,
  own: Endpoint,
  sutHost: string,
  serventId: Guid,
  initiator: boolean,
): Fields {
  const profile = profileNamed(options.profile ?? DEFAULT_PROFILE);
  const recorded =
    options.role === 'leaf'
      ? without(profile.leafRequest, ...NOT_REPLAYED)
      : without(profile.ultrapeerResponse, ...NOT_REPLAYED, 'X-Ultrapeer-Needed');
  const fields =
    options.upQrp === false ? without(recorded, 'X-Ultrapeer-Query-Routing') : recorded;
  const node: Fields =
    initiator && options.role === 'ultrapeer' ? [['Node', `${own.host}:${own.port}`]] : [];
  return [...node, ...personalise(fields, own, sutHost), ['GUID', guidToHex(serventId)]];
}
