/**
 * A UDP host cache in the runner process (bootstrap.md §5). It listens where
 * the nodes can reach it (the scenario network's gateway), answers every
 * well-formed `SCP` ping with a pong packing the hosts it was given, and
 * keeps every datagram it receives — malformed ones with the reason — so
 * steps can judge the node's UHC pings on the wire (BOOT-5, BOOT-9).
 */
import * as dgram from 'node:dgram';
import {
  decodeUdpMessage,
  encodeUhcPong,
  readUhcPing,
} from '../../servent/src/core/bootstrap/uhc.js';
import type { HostAddress } from '../../servent/src/core/hosts/host-cache.js';
import { MessageType } from '../../servent/src/core/wire/index.js';
import { TimeoutError } from './byte-inbox.js';

/** One datagram as received, with what the cache made of it. */
export interface UhcDatagram {
  /** Arrival, ms since the epoch. */
  at: number;
  from: HostAddress;
  raw: Uint8Array;
  /** Header fields; undefined when the datagram is not one whole message. */
  guid: Uint8Array | undefined;
  type: number | undefined;
  ttl: number | undefined;
  hops: number | undefined;
  /** The `SCP` preference; undefined for a ping without `SCP` or anything unreadable. */
  scp: { ultrapeer: boolean; tls: boolean } | undefined;
  /** The ping carried `IP`. */
  wantsAddress: boolean;
  /** Why it was not answered: malformed, not a ping, not TTL 1 / hops 0, no `SCP`. */
  error?: string;
  /** A pong went back. */
  answered: boolean;
}

export interface UdpHostCacheOptions {
  /** The address to bind: the bridge gateway for containers, 127.0.0.1 in unit tests. */
  host: string;
  /** 0 (default) lets the system choose. */
  port?: number;
  /** What every pong packs into `IPP` (at most 20 are sent). */
  hosts: HostAddress[];
  /** Add `UDPHC` to pongs: `true` = at our address, a string = at that DNS name. */
  udphc?: boolean | string;
  /** Deflate `IPP`, as GhostWhiteCrab does. */
  compress?: boolean;
}

interface Waiter {
  match: (d: UhcDatagram) => boolean;
  resolve: (d: UhcDatagram) => void;
}

export class UdpHostCacheFixture {
  readonly pings: UhcDatagram[] = [];
  readonly socketErrors: string[] = [];
  /** What the next pongs pack; a scenario may change it between pings. */
  hosts: HostAddress[];
  readonly #socket: dgram.Socket;
  readonly #options: UdpHostCacheOptions;
  #waiters: Waiter[] = [];
  #stopped: Promise<void> | undefined;

  private constructor(socket: dgram.Socket, options: UdpHostCacheOptions) {
    this.#socket = socket;
    this.#options = options;
    this.hosts = [...options.hosts];
    // A failed send must not crash the runner; it is kept for the failure report.
    socket.on('error', (err) => this.socketErrors.push(err.message));
    socket.on('message', (raw, rinfo) =>
      this.#receive(new Uint8Array(raw), { host: rinfo.address, port: rinfo.port }),
    );
  }

  static async start(options: UdpHostCacheOptions): Promise<UdpHostCacheFixture> {
    const socket = dgram.createSocket('udp4');
    const port = options.port ?? 0;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => {
        socket.off('listening', onListening);
        socket.close();
        reject(
          new Error(
            `UHC fixture: cannot bind UDP ${options.host}:${port}: ${err.message}; is that address on this machine (the Docker bridge gateway)?`,
          ),
        );
      };
      const onListening = () => {
        socket.off('error', onError);
        resolve();
      };
      socket.once('error', onError);
      socket.once('listening', onListening);
      socket.bind({ address: options.host, port });
    });
    return new UdpHostCacheFixture(socket, options);
  }

  get address(): HostAddress {
    const { address, port } = this.#socket.address();
    return { host: address, port };
  }

  /** The first datagram, already received or still to come, that `match` accepts (default: an answered ping). */
  waitForPing(
    timeoutMs: number,
    match: (d: UhcDatagram) => boolean = (d) => d.answered,
  ): Promise<UhcDatagram> {
    const seen = this.pings.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve: (d) => {
          clearTimeout(timer);
          resolve(d);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        const { host, port } = this.address;
        const last = this.pings.at(-1);
        reject(
          new TimeoutError(
            `UHC fixture at ${host}:${port}: no matching datagram after ${timeoutMs} ms; ${this.pings.length} received${last ? `, last from ${last.from.host}:${last.from.port}: ${last.error ?? 'answered'}` : ''}; does the node know this cache (its UHC list) and still need hosts?`,
          ),
        );
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  /** Closes the socket; safe to call more than once. */
  stop(): Promise<void> {
    this.#stopped ??= new Promise((resolve) => this.#socket.close(() => resolve()));
    return this.#stopped;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  #receive(raw: Uint8Array, from: HostAddress): void {
    const record: UhcDatagram = {
      at: Date.now(),
      from,
      raw,
      guid: undefined,
      type: undefined,
      ttl: undefined,
      hops: undefined,
      scp: undefined,
      wantsAddress: false,
      answered: false,
    };
    const error = this.#judge(raw, record);
    if (error !== undefined) record.error = error;
    else this.#answer(record);
    this.pings.push(record);
    const ready = this.#waiters.filter((w) => w.match(record));
    this.#waiters = this.#waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve(record);
  }

  /** Fills `record` from the datagram; returns why it gets no answer, if it does not. */
  #judge(raw: Uint8Array, record: UhcDatagram): string | undefined {
    const message = decodeUdpMessage(raw);
    if (!message.ok) return message.error.toString();
    const { guid, type, ttl, hops, payload } = message.value;
    Object.assign(record, { guid, type, ttl, hops });
    if (type !== MessageType.Ping) {
      return `type 0x${type.toString(16).padStart(2, '0')} is not a ping`;
    }
    const ping = readUhcPing(payload);
    if (!ping.ok) return ping.error.toString();
    record.scp = ping.value.scp;
    record.wantsAddress = ping.value.wantsAddress;
    // GhostWhiteCrab drops the same (§5.1).
    if (ttl !== 1 || hops !== 0)
      return `TTL ${ttl}, hops ${hops}: a UHC ping has TTL 1, hops 0 (BOOT-5)`;
    if (!ping.value.scp) return 'no SCP: an ordinary ping, not a UHC request (BOOT-5)';
    return undefined;
  }

  #answer(record: UhcDatagram): void {
    if (this.#stopped || !record.guid) return;
    const { host, port } = this.address;
    const options: Parameters<typeof encodeUhcPong>[3] = {
      compress: this.#options.compress ?? false,
    };
    if (this.#options.udphc !== undefined) options.udphc = this.#options.udphc;
    if (record.wantsAddress) options.yourAddress = record.from;
    const pong = encodeUhcPong(
      { guid: record.guid },
      { host, port, sharedFiles: 0, sharedKilobytes: 0 },
      this.hosts,
      options,
    );
    this.#socket.send(pong, record.from.port, record.from.host);
    record.answered = true;
  }
}
