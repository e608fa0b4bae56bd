/**
 * Real gtk-gnutella 1.2.3 bytes of the transfer connections, read from the
 * `raw` TCP payloads of fixtures/peers/gtk-gnutella-1.2.3/*_{http,giv}_*.json.
 * Only payloads sent by a gtk-gnutella end are returned: the recorded side,
 * or the other end when it is gtk-gnutella too (s11: leaf B downloading from
 * ultrapeer A), never the scripted NodeProbe/0.1 peer.
 */
import { readFileSync } from 'node:fs';
import { fromHex } from '../wire/hex.js';

const DIR = new URL('../../../fixtures/peers/gtk-gnutella-1.2.3/', import.meta.url);

interface Conversation {
  peer: { side: 'initiator' | 'responder' };
  raw: { from: 'initiator' | 'responder'; t_ms: number; hex: string }[];
}

/** The payloads `from` sent, in order, as bytes. */
export function payloads(file: string, from: 'initiator' | 'responder'): Uint8Array[] {
  const conversation = JSON.parse(readFileSync(new URL(file, DIR), 'utf8')) as Conversation;
  return conversation.raw
    .filter((segment) => segment.from === from)
    .map((segment) => fromHex(segment.hex));
}

/** gtk-gnutella ultrapeer A answering N2R requests: its 200 heads and bodies. */
export const HTTP_RESPONSES = [
  'default_deflate_s05_http_127.0.0.4-40281_to_127.0.0.1-6346.json',
  'notls_plain_s08_http_127.0.0.4-33099_to_127.0.0.1-6346.json',
  'notls_plain_s11_http_127.0.0.2-50307_to_127.0.0.1-6346.json',
] as const;

/** gtk-gnutella leaf B downloading from ultrapeer A: the request and the answer are both real. */
export const GTK_TO_GTK = 'notls_plain_s11_http_127.0.0.2-50307_to_127.0.0.1-6346.json';

/** gtk-gnutella leaf B answering a PUSH: GIV, then a 200 on the same socket. */
export const GIV_CONNECTIONS = [
  'default_deflate_s07_giv_127.0.0.2-53843_to_127.0.0.5-7002.json',
  'notls_plain_s10_giv_127.0.0.2-57365_to_127.0.0.5-7002.json',
] as const;

/**
 * Connections that ultrapeer A (127.0.0.1) opened to leaf B's listening port
 * and on which it sent only two LFs, as a TCP connect-back check does: a
 * reader must take them as blank lines, not as a head.
 */
export const BARE_LF_CONNECTIONS = [
  'notls_plain_s01_http_127.0.0.1-53917_to_127.0.0.2-6347.json',
  'notls_plain_s02_http_127.0.0.1-49049_to_127.0.0.2-6347.json',
  'notls_plain_s05_http_127.0.0.1-49837_to_127.0.0.2-6347.json',
] as const;
