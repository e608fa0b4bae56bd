/**
 * Messages a link answers or sends by itself, never routed: the pong that
 * describes this servent in answer to a ping, and Bye. Also the reader of the
 * GGEP keys such pongs carry (ultrapeers-and-routing.md §8.3).
 */
import { fail, ok, ProtocolError, type Result, UsageError } from '../errors.js';
import type { HostAddress } from '../hosts/host-cache.js';
import {
  decodeGgep,
  decodeGgepUint,
  decodePackedHosts,
  encodeBye,
  encodeGgep,
  encodeGgepUint,
  encodeMessage,
  encodePackedHosts,
  encodePong,
  type GgepExtension,
  ggepExtension,
  ipv4FromString,
  type MessageHeader,
  MessageType,
  newGuid,
} from '../wire/index.js';

/** What a pong about us may say beyond the 14 fixed bytes; every field is optional. */
export interface PongGgepFields {
  /** Daily average uptime in seconds (`DU`); above 86 400 is written as 86 400. */
  dailyUptimeS?: number;
  /** Free leaf slots (`UP`, ultrapeers only); above 255 is written as 255. */
  freeLeafSlots?: number;
  /** Free ultrapeer slots (`UP`, ultrapeers only); above 255 is written as 255. */
  freeUltrapeerSlots?: number;
  /** Two-letter language code (`LOC`), e.g. `en`. */
  locale?: string;
  /** The slot byte written after the locale (LimeWire's "locale preferencing" slots); 0 when absent. */
  freeLocaleSlots?: number;
  /** Hosts to pack into `IPP`, the answer to a ping carrying `SCP` (RT-16). */
  ipp?: readonly HostAddress[];
}

export interface SelfDescription {
  /** The address and port peers reach us at on this link. */
  address: { host: string; port: number };
  mode: 'ultrapeer' | 'leaf';
  sharedFiles: number;
  sharedKilobytes: number;
  /** Sent only when the caller says the link advertised GGEP (RT-15). */
  ggep?: PongGgepFields;
}

/** Most hosts one `IPP` carries: 120 bytes, small enough for any datagram and link. */
export const MAX_IPP_HOSTS = 20;

/** A day: a daily average cannot exceed it (gtk-gnutella caps `DU` there too). */
const MAX_DAILY_UPTIME_S = 86_400;

/** `UP` version byte: LimeWire writes 0 (gtk-gnutella 2); readers take any. */
const UP_VERSION = 0;

/**
 * The pong describing us, with the ping's GUID, hops 0 and TTL = ping hops + 2
 * (MSG-16 asks ≥ hops + 1, SHOULD ≥ hops + 2). The KB count marks the mode:
 * a power of two ≥ 8 for an ultrapeer, anything else for a leaf (MSG-38).
 * `self.ggep` is appended only when `ggepAllowed`, i.e. the link's peer
 * advertised GGEP in its handshake (RT-15).
 */
export function selfPong(
  ping: MessageHeader,
  self: SelfDescription,
  ggepAllowed = false,
): Uint8Array {
  const payload = encodePong({
    port: self.address.port,
    address: self.address.host,
    sharedFiles: self.sharedFiles,
    sharedKilobytes: markedKilobytes(self.sharedKilobytes, self.mode),
    ggep: ggepAllowed && self.ggep ? encodePongGgep(self.ggep, self.mode) : new Uint8Array(0),
  });
  return encodeMessage(
    { guid: ping.guid, type: MessageType.Pong, ttl: Math.min(ping.hops + 2, 7), hops: 0 },
    payload,
  );
}

/**
 * The GGEP block of a pong about us, extensions in the order DU, UP, LOC,
 * IPP; empty when there is nothing to say. `UP` only comes from an
 * ultrapeer: its slots are what a leaf or ultrapeer looking for a place reads.
 */
export function encodePongGgep(fields: PongGgepFields, mode: 'ultrapeer' | 'leaf'): Uint8Array {
  const extensions: GgepExtension[] = [];
  if (fields.dailyUptimeS !== undefined) {
    const seconds = Math.min(checkCount('dailyUptimeS', fields.dailyUptimeS), MAX_DAILY_UPTIME_S);
    // LimeWire writes 0 as one zero byte; an empty value would read as 0 too (GGEP-14).
    extensions.push(
      ggepExtension('DU', seconds === 0 ? new Uint8Array(1) : encodeGgepUint(seconds)),
    );
  }
  if (
    mode === 'ultrapeer' &&
    (fields.freeLeafSlots !== undefined || fields.freeUltrapeerSlots !== undefined)
  ) {
    extensions.push(
      ggepExtension(
        'UP',
        Uint8Array.of(
          UP_VERSION,
          slotByte('freeLeafSlots', fields.freeLeafSlots),
          slotByte('freeUltrapeerSlots', fields.freeUltrapeerSlots),
        ),
      ),
    );
  }
  if (fields.locale !== undefined) {
    if (!/^[A-Za-z]{2}$/.test(fields.locale)) {
      throw new UsageError(
        `LOC takes a two-letter language code, got ${JSON.stringify(fields.locale)}`,
      );
    }
    const code = fields.locale.toLowerCase();
    extensions.push(
      ggepExtension(
        'LOC',
        Uint8Array.of(
          code.charCodeAt(0),
          code.charCodeAt(1),
          slotByte('freeLocaleSlots', fields.freeLocaleSlots),
        ),
      ),
    );
  }
  if (fields.ipp !== undefined) {
    const packed = ippValue(fields.ipp);
    if (packed.length > 0) extensions.push(ggepExtension('IPP', packed));
  }
  return extensions.length === 0 ? new Uint8Array(0) : encodeGgep(extensions);
}

/**
 * The `IPP` value for `hosts`: 6 bytes per host, so always a multiple of 6
 * (RT-16, BOOT-7). Hosts IPP cannot carry (a DNS name, port 0, 0.0.0.0) are
 * left out, and at most `max` are kept, in the given order.
 */
export function ippValue(hosts: readonly HostAddress[], max = MAX_IPP_HOSTS): Uint8Array {
  const packable: { address: string; port: number }[] = [];
  for (const { host, port } of hosts) {
    if (packable.length >= max) break;
    if (!Number.isInteger(port) || port < 1 || port > 0xffff) continue;
    if (host === '0.0.0.0' || !ipv4FromString(host).ok) continue;
    packable.push({ address: host, port });
  }
  return encodePackedHosts(packable);
}

/** A pong's GGEP keys as read by the pong cache, the UHC client and the harness. */
export interface PongGgep {
  /** Every extension id, in block order. */
  ids: string[];
  /** Known keys whose value had an impossible shape, each with what was wrong; they are left out. */
  invalid: string[];
  dailyUptimeS?: number;
  /** `UP` version byte: LimeWire 0, gtk-gnutella 2. */
  upVersion?: number;
  freeLeafSlots?: number;
  freeUltrapeerSlots?: number;
  /** `LOC`: LimeWire's two letters, or gtk-gnutella's `ll` / `ll_CC`. */
  locale?: string;
  /** The slot byte of LimeWire's three-byte `LOC`. */
  freeLocaleSlots?: number;
  /** `IPP` entries as sent (port 0 and 0.0.0.0 included: judging them is the reader's job). */
  ipp?: HostAddress[];
  /** `DHTIPP` entries. */
  dhtIpp?: HostAddress[];
  /** `UDPHC`: the sender is a UDP host cache; '' = at its own address, else the DNS name to use. */
  udphc?: string;
  /** `PHC`, inflated: other host caches, `host:port` lines. */
  phc?: string;
  /** `IP`: the pinger's address as the sender saw it. */
  ip?: HostAddress;
  /** `VC`: 4-letter vendor code and, when sent, the version byte. */
  vendor?: { code: string; version?: number };
  /** `TLS`: the sender accepts TLS. */
  tls?: boolean;
  /** `GUE`: the sender supports GUESS. */
  guess?: boolean;
}

/**
 * Reads a pong's GGEP block (the bytes after the 14 fixed ones). Unknown keys
 * are listed in `ids` and otherwise ignored. A malformed block, or an `IPP`
 * whose length is not a multiple of 6, fails the whole pong, as LimeWire
 * rejects it (BOOT-7); any other known key of impossible shape is left out
 * and named in `invalid` (GGEP-13: such a value is ignored), so one odd
 * vendor field does not cost the hosts. Compressed values arrive inflated,
 * within the decoder's inflate budget.
 */
export function decodePongGgep(ggep: Uint8Array): Result<PongGgep> {
  const decoded = decodeGgep(ggep);
  if (!decoded.ok) return decoded;
  const out: PongGgep = { ids: [], invalid: [] };
  const bad = (what: string) => out.invalid.push(what);
  for (const { id, data } of decoded.value) {
    out.ids.push(id);
    // The first of a repeated key wins, as findGgep does.
    if (out.ids.indexOf(id) !== out.ids.length - 1) continue;
    switch (id) {
      case 'DU': {
        const seconds = decodeGgepUint(data);
        if (seconds.ok) out.dailyUptimeS = seconds.value;
        else bad(`DU: ${seconds.error.message}`);
        break;
      }
      case 'UP':
        if (data.length < 3) {
          bad(`UP: 3 bytes expected, got ${data.length}`);
          break;
        }
        out.upVersion = data[0]!;
        out.freeLeafSlots = data[1]!;
        out.freeUltrapeerSlots = data[2]!;
        break;
      case 'LOC': {
        const locale = readLocale(data);
        if (!locale) {
          bad(`LOC: not a locale: ${hexOf(data)}`);
          break;
        }
        out.locale = locale.code;
        if (locale.slots !== undefined) out.freeLocaleSlots = locale.slots;
        break;
      }
      case 'IPP': {
        const hosts = decodePackedHosts(data);
        if (!hosts.ok) {
          return fail(
            new ProtocolError(
              'pong-ipp-length',
              `IPP holds ${data.length} bytes, not a multiple of 6`,
              'BOOT-7',
            ),
          );
        }
        out.ipp = hosts.value.map(({ address, port }) => ({ host: address, port }));
        break;
      }
      case 'DHTIPP': {
        const hosts = decodePackedHosts(data);
        if (hosts.ok)
          out.dhtIpp = hosts.value.map(({ address, port }) => ({ host: address, port }));
        else bad(`DHTIPP: ${data.length} bytes, not a multiple of 6`);
        break;
      }
      case 'IP': {
        const hosts = decodePackedHosts(data);
        if (!hosts.ok || hosts.value.length !== 1) {
          bad(`IP: 6 bytes expected, got ${data.length}`);
          break;
        }
        out.ip = { host: hosts.value[0]!.address, port: hosts.value[0]!.port };
        break;
      }
      case 'UDPHC':
        out.udphc = latin1(data);
        break;
      case 'PHC':
        out.phc = latin1(data);
        break;
      case 'VC':
        if (data.length < 4) {
          bad(`VC: at least 4 bytes expected, got ${data.length}`);
          break;
        }
        out.vendor = { code: latin1(data.subarray(0, 4)) };
        if (data.length > 4) out.vendor.version = data[4]!;
        break;
      case 'TLS':
        out.tls = true;
        break;
      case 'GUE':
        out.guess = true;
        break;
    }
  }
  return ok(out);
}

function readLocale(data: Uint8Array): { code: string; slots?: number } | undefined {
  const isLetter = (b: number | undefined) =>
    b !== undefined && ((b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a));
  // LimeWire: two letters then one slot byte. gtk-gnutella: `ll` or `ll_CC`, no slots.
  if (data.length === 3 && isLetter(data[0]) && isLetter(data[1])) {
    return { code: latin1(data.subarray(0, 2)), slots: data[2]! };
  }
  const text = latin1(data);
  return /^[A-Za-z]{2,3}(?:[_-][A-Za-z0-9]{2,8})*$/.test(text) ? { code: text } : undefined;
}

const latin1 = (data: Uint8Array): string => String.fromCharCode(...data);

const hexOf = (data: Uint8Array): string =>
  Array.from(data.subarray(0, 16), (b) => b.toString(16).padStart(2, '0')).join(' ') +
  (data.length > 16 ? ' …' : '');

function checkCount(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new UsageError(`${name} must be a non-negative integer, got ${value}`);
  }
  return value;
}

const slotByte = (name: string, value: number | undefined): number =>
  Math.min(checkCount(name, value ?? 0), 255);

/** Rounds the KB count to the mode's marking (gtk-gnutella's convention, messages.md). */
export function markedKilobytes(kb: number, mode: 'ultrapeer' | 'leaf'): number {
  if (mode === 'ultrapeer') {
    let marked = 8;
    while (marked < kb && marked < 2 ** 31) marked *= 2;
    return marked;
  }
  // A leaf's count must not look like an ultrapeer's: set bit 0 of a non-zero count.
  return kb === 0 ? 0 : kb | 1;
}

/** Bye: TTL 1, hops 0, a fresh GUID (MSG-34). */
export function byeMessage(
  code: number,
  reason: string,
  random: (n: number) => Uint8Array,
): Uint8Array {
  return encodeMessage(
    { guid: newGuid(random), type: MessageType.Bye, ttl: 1, hops: 0 },
    encodeBye({ code, reason }),
  );
}
