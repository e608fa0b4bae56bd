/**
 * The running servent: listens, dials, keeps connection slots, answers what the
 * link itself must answer (alive pings, Bye), and reports its state.
 */
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import {
  decideIncoming,
  decideOutgoing,
  HeaderName,
  type Headers,
  type LocalProfile,
  parseHostList,
  requestFields,
  type SlotState,
} from '../core/handshake/index.js';
import { type HostAddress, HostList, hostKey } from '../core/hosts/host-list.js';
import { byeMessage, selfPong } from '../core/link/link-messages.js';
import { ByeCode, type MessageHeader, MessageType } from '../core/wire/index.js';
import type { ServentConfig } from './config.js';
import { Connection, type ConnectionSnapshot } from './connection.js';
import type { Logger } from './log.js';

/** LimeWire's outgoing TCP connect timeout (handshake.md section 9). */
const CONNECT_TIMEOUT_MS = 6_000;
/** X-Try-Ultrapeers carries at most this many hosts (HS-17). */
const TRY_ULTRAPEERS = 10;

export interface ServentStatus {
  userAgent: string;
  mode: ServentConfig['mode'];
  listen: HostAddress;
  control: HostAddress | undefined;
  slots: SlotState & { freeLeafSlots: number };
  knownHosts: number;
  connections: ConnectionSnapshot[];
}

export class Servent {
  readonly #config: ServentConfig;
  readonly #log: Logger;
  readonly #server = net.createServer((socket) => this.#accept(socket));
  readonly #connections = new Map<number, Connection>();
  /** Connections holding a slot: the peer's mode, decided when we said 200. */
  readonly #slots = new Map<Connection, 'ultrapeer' | 'leaf'>();
  readonly #dialling = new Set<string>();
  readonly #hosts: HostList;
  #nextId = 1;
  #dialTimer: NodeJS.Timeout | undefined;
  #stopping = false;
  #listen: HostAddress;

  constructor(config: ServentConfig, log: Logger) {
    this.#config = config;
    this.#log = log;
    this.#listen = config.listen;
    this.#hosts = new HostList({ retryAfterMs: config.redialAfterMs });
    for (const peer of config.peers) this.#hosts.add(peer, Date.now(), true);
  }

  async start(): Promise<HostAddress> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#config.listen.port, this.#config.listen.host, () => resolve());
    });
    const address = this.#server.address() as net.AddressInfo;
    this.#listen = { host: this.#config.listen.host, port: address.port };
    this.#log.info({ listen: this.#listen, mode: this.#config.mode }, 'listening');
    this.#fillSlots();
    return this.#listen;
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#dialTimer) clearTimeout(this.#dialTimer);
    const closed = [...this.#connections.values()].map(
      (c) =>
        new Promise<void>((resolve) =>
          c.state === 'closed' ? resolve() : c.once('closed', () => resolve()),
        ),
    );
    for (const c of this.#connections.values())
      c.close('servent shutdown', byeMessage(ByeCode.Shutdown, 'Servent shutdown', randomBytes));
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, 2_000).unref());
    await Promise.race([Promise.all(closed), deadline]);
    for (const c of this.#connections.values()) c.destroy('servent shutdown');
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  status(): ServentStatus {
    return {
      userAgent: this.#config.userAgent,
      mode: this.#config.mode,
      listen: this.#listen,
      control: this.#config.control,
      slots: this.#slotState(),
      knownHosts: this.#hosts.size,
      connections: [...this.#connections.values()].map((c) => c.snapshot()),
    };
  }

  /** Dials a host now (control API), whatever the slots say; the handshake still decides. */
  connect(address: HostAddress): void {
    this.#hosts.add(address, Date.now(), true);
    this.#dial(address);
  }

  /** Closes a connection with Bye 200 where the peer understands Bye. */
  disconnect(id: number, reason = 'Closed by operator'): boolean {
    const conn = this.#connections.get(id);
    if (!conn) return false;
    conn.close(reason, byeMessage(ByeCode.UserRemoved, reason, randomBytes));
    return true;
  }

  #profile(socket: net.Socket): LocalProfile {
    const local = this.#config.advertise ?? {
      host: normalizeIp(socket.localAddress),
      port: this.#listen.port,
    };
    return {
      userAgent: this.#config.userAgent,
      mode: this.#config.mode,
      listen: local,
      acceptDeflate: this.#config.deflate,
      degree: this.#config.maxUltrapeers,
    };
  }

  #slotState(): SlotState {
    let leaves = 0;
    let ultrapeers = 0;
    for (const mode of this.#slots.values()) {
      if (mode === 'leaf') leaves++;
      else ultrapeers++;
    }
    const leafSlots = this.#config.mode === 'ultrapeer' ? this.#config.maxLeaves : 0;
    const upSlots =
      this.#config.mode === 'ultrapeer' ? this.#config.maxUltrapeers : this.#config.leafUltrapeers;
    return {
      freeLeafSlots: Math.max(0, leafSlots - leaves),
      freeUltrapeerSlots: Math.max(0, upSlots - ultrapeers),
      connectedUltrapeers: ultrapeers,
    };
  }

  /** Ultrapeers to name in X-Try-Ultrapeers: those we are connected to, then learned ones. */
  #tryUltrapeers(exclude: ReadonlySet<string>): string[] {
    const hosts: HostAddress[] = [];
    for (const [conn, mode] of this.#slots) {
      const listen = conn.peerHeaders && listenAddress(conn.peerHeaders);
      if (mode === 'ultrapeer' && listen && !exclude.has(hostKey(listen))) hosts.push(listen);
    }
    const seen = new Set([...exclude, ...hosts.map(hostKey)]);
    hosts.push(...this.#hosts.sample(TRY_ULTRAPEERS, seen));
    return hosts.slice(0, TRY_ULTRAPEERS).map(hostKey);
  }

  #accept(socket: net.Socket): void {
    if (this.#stopping) {
      socket.destroy();
      return;
    }
    const remote = { host: normalizeIp(socket.remoteAddress), port: socket.remotePort ?? 0 };
    const profile = this.#profile(socket);
    const conn: Connection = new Connection(this.#nextId++, 'inbound', remote, socket, {
      log: this.#log,
      handshakeTimeoutMs: this.#config.handshakeTimeoutMs,
      respond: (request) => {
        const peerListen = listenAddress(request.headers);
        const exclude = new Set([
          hostKey(profile.listen),
          ...(peerListen ? [hostKey(peerListen)] : []),
        ]);
        const reply = decideIncoming(
          request,
          profile,
          this.#slotState(),
          { remoteAddress: remote.host },
          this.#tryUltrapeers(exclude),
        );
        if (reply.code === 200) this.#slots.set(conn, peerModeOf(request.headers));
        return reply;
      },
    });
    this.#track(conn);
  }

  #dial(address: HostAddress): void {
    const key = hostKey(address);
    if (this.#dialling.has(key) || this.#stopping) return;
    this.#dialling.add(key);
    this.#hosts.markDialled(address, Date.now());
    this.#log.debug({ peer: key }, 'dialling');
    const socket = net.connect({
      host: address.host,
      port: address.port,
      timeout: CONNECT_TIMEOUT_MS,
    });
    const failed = (why: string) => {
      this.#dialling.delete(key);
      this.#log.info({ peer: key, why }, 'dial failed');
      socket.destroy();
      this.#scheduleFill();
    };
    socket.once('timeout', () => failed('connect timeout'));
    socket.once('error', (err) => failed(err.message));
    socket.once('connect', () => {
      socket.removeAllListeners('timeout');
      socket.removeAllListeners('error');
      socket.setTimeout(0);
      const profile = this.#profile(socket);
      const conn: Connection = new Connection(this.#nextId++, 'outbound', address, socket, {
        log: this.#log,
        handshakeTimeoutMs: this.#config.handshakeTimeoutMs,
        request: requestFields(profile, { remoteAddress: address.host }),
        confirm: (response) => {
          const reply = decideOutgoing(response, profile, this.#slotState(), {
            remoteAddress: address.host,
          });
          if (reply.code === 200) this.#slots.set(conn, peerModeOf(response.headers));
          return reply;
        },
      });
      conn.once('closed', () => this.#dialling.delete(key));
      this.#track(conn);
    });
  }

  #track(conn: Connection): void {
    this.#connections.set(conn.id, conn);
    conn.on('message', (header, payload) => this.#onMessage(conn, header, payload));
    conn.once('established', () => this.#learnFrom(conn.peerHeaders));
    conn.once('closed', () => {
      this.#learnFrom(conn.peerHeaders);
      this.#connections.delete(conn.id);
      this.#slots.delete(conn);
      this.#scheduleFill();
    });
  }

  #learnFrom(headers: Headers | undefined): void {
    if (!headers) return;
    const now = Date.now();
    for (const name of [HeaderName.XTryUltrapeers, HeaderName.XTry]) {
      const value = headers.get(name);
      if (value) for (const host of parseHostList(value)) this.#hosts.add(host, now);
    }
    this.#scheduleFill();
  }

  #onMessage(conn: Connection, header: MessageHeader, payload: Uint8Array): void {
    this.#log.trace(
      {
        conn: conn.id,
        type: header.type,
        ttl: header.ttl,
        hops: header.hops,
        length: header.length,
      },
      'message',
    );
    switch (header.type) {
      case MessageType.Ping:
        conn.send(
          selfPong(header, {
            address: this.#profileAddress(conn),
            mode: this.#config.mode,
            sharedFiles: 0,
            sharedKilobytes: 0,
          }),
        );
        return;
      case MessageType.Bye:
        // A valid Bye closes at once and is not answered with a Bye (MSG-35).
        if (header.ttl <= 1 && header.hops === 0) conn.close('peer said Bye');
        else conn.countDrop('bye-not-direct');
        return;
      default:
        // Routing arrives with the network layer; until then these are counted, not relayed.
        conn.countDrop(`unhandled-type-0x${header.type.toString(16).padStart(2, '0')}`);
        void payload;
    }
  }

  #profileAddress(conn: Connection): HostAddress {
    return (conn.ourHeaders && listenAddress(conn.ourHeaders)) ?? this.#listen;
  }

  #connectedKeys(): Set<string> {
    const keys = new Set(this.#dialling);
    for (const conn of this.#slots.keys()) {
      keys.add(hostKey(conn.remote));
      const listen = conn.peerHeaders && listenAddress(conn.peerHeaders);
      if (listen) keys.add(hostKey(listen));
    }
    return keys;
  }

  #scheduleFill(): void {
    if (this.#stopping) return;
    setImmediate(() => this.#fillSlots());
  }

  /** Dials learned and given hosts until the ultrapeer slots we want are taken or pending. */
  #fillSlots(): void {
    if (this.#stopping) return;
    if (this.#dialTimer) clearTimeout(this.#dialTimer);
    this.#dialTimer = undefined;
    const want =
      this.#config.mode === 'leaf' ? this.#config.leafUltrapeers : this.#config.maxUltrapeers;
    const now = Date.now();
    const busy = this.#connectedKeys();
    let pending = this.#slotState().connectedUltrapeers + this.#dialling.size;
    while (pending < want) {
      const next = this.#hosts.nextToDial(now, busy);
      if (!next) break;
      busy.add(hostKey(next));
      this.#dial(next);
      pending++;
    }
    const retryAt = this.#hosts.nextRetryAt(busy);
    if (pending < want && retryAt !== undefined) {
      this.#dialTimer = setTimeout(() => this.#fillSlots(), Math.max(50, retryAt - now)).unref();
    }
  }
}

function peerModeOf(headers: Headers): 'ultrapeer' | 'leaf' {
  return headers.getBoolean(HeaderName.XUltrapeer) ? 'ultrapeer' : 'leaf';
}

/** A peer's Listen-IP (or its older spellings) as host and port. */
function listenAddress(headers: Headers): HostAddress | undefined {
  const value =
    headers.get(HeaderName.ListenIp) ?? headers.get('X-My-Address') ?? headers.get('My-Address');
  return value ? parseHostList(value)[0] : undefined;
}

/** Node reports IPv4 peers on dual-stack sockets as ::ffff:a.b.c.d. */
export function normalizeIp(address: string | undefined): string {
  if (!address) return '0.0.0.0';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
