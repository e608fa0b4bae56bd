/**
 * Direct alternate locations of the download mesh (http-transfers.md §8):
 * `X-Alt` / `X-NAlt` and the legacy HUGE `X-Gnutella-Alternate-Location`
 * (HTTP-14, HTTP-15, HTTP-30). Which SHA-1 they belong to, and which to send
 * on a connection, is the caller's business.
 */

import { UsageError } from '../errors.js';
import { type HostPort, isDottedIpv4, isValidPort, parseHostList } from '../handshake/addresses.js';

/** Items examined in one value; more are ignored, bounding the work one header costs. */
export const MAX_ALT_LOCS_READ = 100;

// Never a peer: the unspecified and the broadcast address (HTTP-15).
const BOGUS_HOSTS = new Set(['0.0.0.0', '255.255.255.255']);

/**
 * The hosts of an `X-Alt`, `X-NAlt` or `X-Gnutella-Alternate-Location` value.
 * Items are split on `,` (and `;`, as gtk-gnutella does); of each, only the
 * first blank-separated word counts (the legacy form appends a timestamp);
 * a full URL gives its `ip:port` (LimeWire, legacy HUGE). A missing port is
 * 6346 (HTTP-30). Items that are not a dotted IPv4 with a valid port are
 * skipped: hostnames, IPv6, port 0, and the leading `tls=<hex>` token, whose
 * TLS bits we do not use. Duplicates are dropped, order kept.
 */
export function parseAltLocs(value: string): HostPort[] {
  const hosts: HostPort[] = [];
  const seen = new Set<string>();
  for (const item of value.split(/[,;]/, MAX_ALT_LOCS_READ)) {
    const word = item.trim().split(/[ \t]/, 1)[0]!;
    const address = word.replace(/^http:\/\//i, '').split('/', 1)[0]!;
    for (const host of parseHostList(address)) {
      const key = `${host.host}:${host.port}`;
      if (BOGUS_HOSTS.has(host.host) || seen.has(key)) continue;
      seen.add(key);
      hosts.push(host);
    }
  }
  return hosts;
}

/** `ip:port, ip:port`, the compact form every current servent reads (HTTP-30). */
export function formatAltLocs(hosts: readonly HostPort[]): string {
  for (const { host, port } of hosts) {
    if (!isDottedIpv4(host) || !isValidPort(port)) {
      throw new UsageError(`an alt-loc is a dotted IPv4 and a port, got ${host}:${port}`);
    }
  }
  return hosts.map(({ host, port }) => `${host}:${port}`).join(', ');
}
