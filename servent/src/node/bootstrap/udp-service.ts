/**
 * The servent's UDP socket, on the same port as its TCP listener
 * (bootstrap.md §5): it answers pings that ask for cached pongs (`SCP`) with
 * a pong packing ultrapeers in `IPP` (BOOT-10), and it carries our own UDP
 * host cache pings and their answers (BOOT-5, BOOT-7). A UHC is never
 * contacted over TCP (BOOT-6): this is the only way we reach one.
 */
import { randomBytes } from 'node:crypto';
import * as dgram from 'node:dgram';
import {
  decodeUdpMessage,
  encodeUhcPing,
  encodeUhcPong,
  parseUhcPong,
  readUhcPing,
  type UhcClient,
  type UhcPong,
} from '../../core/bootstrap/uhc.js';
import type { HostAddress } from '../../core/hosts/host-cache.js';
import { MessageType, newGuid } from '../../core/wire/index.js';
import type { Logger } from '../log.js';

/** No Gnutella datagram we read is bigger (a pong with a full IPP is about 200 bytes). */
const MAX_DATAGRAM = 4096;
/** Answers to SCP pings per second at most: a UHC rate-limits its pongs (§5.3). */
const MAX_ANSWERS_PER_SECOND = 20;

export interface UdpServiceOptions {
  log: Logger;
  uhc: UhcClient;
  /** Who we are, for the pongs we send; undefined while we have no address peers can use. */
  self: () =>
    | { host: string; port: number; sharedFiles: number; sharedKilobytes: number }
    | undefined;
  /** Ultrapeers to pack in IPP for a pinger that is an ultrapeer or a leaf (§5.2 SCP bit 0). */
  hostsFor: (pingerIsUltrapeer: boolean) => HostAddress[];
  /** A UHC answered one of our pings. */
  onUhcPong: (pong: UhcPong, cache: HostAddress) => void;
}

export class UdpService {
  readonly #o: UdpServiceOptions;
  readonly #socket = dgram.createSocket('udp4');
  #second = 0;
  #answered = 0;
  /** Datagrams dropped, by reason, for the status. */
  readonly drops: Record<string, number> = {};

  constructor(options: UdpServiceOptions) {
    this.#o = options;
    this.#socket.on('message', (datagram, remote) => {
      const from = { host: remote.address, port: remote.port };
      const dropped = this.#receive(new Uint8Array(datagram), from);
      if (dropped !== undefined) this.drops[dropped] = (this.drops[dropped] ?? 0) + 1;
    });
    this.#socket.on('error', (err) => this.#o.log.warn({ err: err.message }, 'UDP socket error'));
  }

  async start(host: string, port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#socket.once('error', reject);
      this.#socket.bind({ address: host, port, exclusive: true }, () => {
        this.#socket.off('error', reject);
        resolve();
      });
    });
  }

  stop(): void {
    try {
      this.#socket.close();
    } catch {
      // Never started, or closed already.
    }
  }

  /** Pings a UHC: one datagram, TTL 1, hops 0, SCP saying what we are (BOOT-5). */
  pingCache(cache: HostAddress, ultrapeer: boolean, now: number): void {
    const guid = newGuid((n) => new Uint8Array(randomBytes(n)));
    this.#o.uhc.pinged(cache, guid, now);
    this.#socket.send(encodeUhcPing(guid, { ultrapeer }), cache.port, cache.host, (err) => {
      if (err) this.#o.log.info({ cache, err: err.message }, 'UHC ping not sent');
    });
  }

  /** Handles one datagram; returns why it was dropped, if it was. */
  #receive(datagram: Uint8Array, from: HostAddress): string | undefined {
    if (datagram.length > MAX_DATAGRAM) return 'too-big';
    const message = decodeUdpMessage(datagram);
    if (!message.ok) return message.error.code;
    const { type } = message.value;
    if (type === MessageType.Ping)
      return this.#answerPing(message.value.guid, message.value.payload, from);
    if (type !== MessageType.Pong) return 'unexpected-type';
    // Only pongs to our own pings, matched by MUID (BOOT-7).
    const cache = this.#o.uhc.handlePong(message.value.guid, from, Date.now());
    if (cache === undefined) return 'unsolicited-pong';
    const pong = parseUhcPong(message.value, from);
    if (!pong.ok) {
      this.#o.log.info({ cache, error: pong.error.message }, 'UHC answer rejected');
      return pong.error.code;
    }
    this.#o.onUhcPong(pong.value, cache);
    return undefined;
  }

  /** A ping asking for cached pongs gets one pong: same MUID, TTL 1, hops 0, IPP (BOOT-10). */
  #answerPing(guid: Uint8Array, payload: Uint8Array, from: HostAddress): string | undefined {
    const ping = readUhcPing(payload);
    if (!ping.ok) return ping.error.code;
    const scp = ping.value.scp;
    if (scp === undefined) return 'ping-without-scp';
    const self = this.#o.self();
    if (self === undefined) return 'no-address';
    const second = Math.floor(Date.now() / 1000);
    if (second !== this.#second) {
      this.#second = second;
      this.#answered = 0;
    }
    if (++this.#answered > MAX_ANSWERS_PER_SECOND) return 'rate-limited';
    const pong = encodeUhcPong({ guid }, self, this.#o.hostsFor(scp.ultrapeer), {
      ...(ping.value.wantsAddress && { yourAddress: from }),
    });
    this.#socket.send(pong, from.port, from.host);
    return undefined;
  }
}
