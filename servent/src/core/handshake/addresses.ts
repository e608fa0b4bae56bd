/**
 * Addresses in handshake headers: dotted IPv4 (`Remote-IP`, HS-21) and the
 * `ip[:port]` lists of `X-Try` / `X-Try-Ultrapeers` (§5).
 */

import { DEFAULT_GNUTELLA_PORT } from './constants.js';

export interface HostPort {
  host: string;
  port: number;
}

// Decimal octets without leading zeros, which other readers may take for octal.
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);
// An item's leading ip[:port]; whatever follows a separator that cannot continue it is ignored (BOOT-4).
const HOST_PORT = new RegExp(`^(${OCTET}(?:\\.${OCTET}){3})(?::(\\d{1,5}))?(?=$|[^\\w.:])`);

export function isDottedIpv4(text: string): boolean {
  return IPV4.test(text);
}

/**
 * The dotted IPv4 form of a socket's remote address, undoing the `::ffff:`
 * mapping a dual-stack socket reports; undefined when it is not IPv4.
 */
export function dottedIpv4Of(address: string): string | undefined {
  const bare = address.toLowerCase().startsWith('::ffff:') ? address.slice(7) : address;
  return isDottedIpv4(bare) ? bare : undefined;
}

export function isValidPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}

/**
 * Hosts in an `X-Try` or `X-Try-Ultrapeers` value. Items are split on ',';
 * only each item's leading `ip[:port]` counts (Shareaza appends a timestamp
 * after a space; anything after a space, `;` or `/` is ignored, BOOT-4); the
 * port defaults to 6346; anything else is skipped.
 */
export function parseHostList(value: string): HostPort[] {
  const hosts: HostPort[] = [];
  for (const item of value.split(',')) {
    const match = HOST_PORT.exec(item.trim());
    if (!match) continue;
    const port = match[2] === undefined ? DEFAULT_GNUTELLA_PORT : Number(match[2]);
    if (isValidPort(port)) hosts.push({ host: match[1]!, port });
  }
  return hosts;
}
