/**
 * What an incoming connection on the Gnutella port is, told from its first
 * bytes (push.md §5): a 0.6 handshake, an HTTP request (uploads, push-proxy
 * requests), a GIV answering one of our pushes, or the marker of a TCP
 * connect-back (vendor-messages.md BEAR/7: gtk-gnutella sends `\n\n`,
 * LimeWire `CONNECT BACK`).
 */

export type InboundKind = 'gnutella' | 'http' | 'giv' | 'connect-back' | 'unknown';

const PREFIXES: ReadonlyArray<readonly [string, InboundKind]> = [
  ['GNUTELLA ', 'gnutella'],
  ['GET ', 'http'],
  ['HEAD ', 'http'],
  ['POST ', 'http'],
  ['GIV ', 'giv'],
  ['CONNECT BACK', 'connect-back'],
  ['\n\n', 'connect-back'],
  ['\r\n\r\n', 'connect-back'],
];

/** Bytes enough to decide: the longest prefix. */
export const INBOUND_SNIFF_BYTES = Math.max(...PREFIXES.map(([p]) => p.length));

/** The kind of a connection that began with `head`; undefined while more bytes could still decide. */
export function inboundKind(head: Uint8Array): InboundKind | undefined {
  let undecided = false;
  for (const [prefix, kind] of PREFIXES) {
    const n = Math.min(prefix.length, head.length);
    let same = true;
    for (let i = 0; i < n && same; i++) same = head[i] === prefix.charCodeAt(i);
    if (!same) continue;
    if (n === prefix.length) return kind;
    undecided = true;
  }
  return undecided ? undefined : 'unknown';
}
