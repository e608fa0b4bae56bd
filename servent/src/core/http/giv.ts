/**
 * The GIV line a firewalled uploader sends when it connects back after a
 * PUSH (push.md §5, PUSH-4, PUSH-8): `GIV <index>:<servent id hex>/<name>`
 * and an empty line. After it, the same socket carries an ordinary HTTP
 * session with the downloader as client.
 */

import { fail, ok, ProtocolError, type Result } from '../errors.js';
import { guidFromHex, guidToHex } from '../wire/guid.js';
import { decodeLatin1, encodeLatin1 } from '../wire/text.js';
import { checkIndex, parseUint, quote } from './syntax.js';
import { decodeUrlName, urlEncodeName } from './target.js';

/** Most bytes of a GIV, its empty line included. A real one is under 100. */
export const MAX_GIV_BYTES = 1024;

export interface Giv {
  index: number;
  /** The uploader's own servent id: match it against the pushes we sent. */
  serventId: Uint8Array;
  /** Ignored by receivers; LimeWire and gtk-gnutella send `file`. */
  name: string;
  /** Bytes of the GIV, its empty line included: the HTTP session starts after them. */
  length: number;
}

/**
 * `GIV <index>:<32 upper-case hex>/<name>\n\n`, as LimeWire writes it; the
 * name is URL-encoded, so any name is safe, and defaults to `file` as
 * current servents send.
 */
export function formatGiv(index: number, serventId: Uint8Array, name = 'file'): Uint8Array {
  checkIndex(index);
  const hex = guidToHex(serventId).toUpperCase();
  return encodeLatin1('a GIV line', `GIV ${index}:${hex}/${urlEncodeName(name)}\n\n`);
}

const PREFIX = 'GIV ';
const LF = 0x0a;
const CR = 0x0d;
// The hex in either case: LimeWire writes upper, gtk-gnutella lower (§5).
const GIV_LINE = /^GIV (\d+):([0-9a-f]{32})\/(.*)$/i;

/**
 * Reads a GIV from the start of `bytes`, the connection's bytes so far:
 * undefined until its empty line has arrived. The line ends with LF or
 * CRLF and so does the empty line (push.md §5: be lenient). The name is
 * URL-decoded where that works and kept as sent where it does not, since
 * nobody uses it.
 */
export function parseGiv(bytes: Uint8Array): Result<Giv | undefined> {
  const start = decodeLatin1(bytes, 0, Math.min(bytes.length, PREFIX.length));
  if (start !== PREFIX.slice(0, start.length)) {
    return badGiv('giv-bad-line', `a GIV starts with "GIV ", got ${JSON.stringify(start)}`);
  }
  const window = bytes.subarray(0, MAX_GIV_BYTES);
  const lineEnd = window.indexOf(LF);
  const blankEnd = lineEnd < 0 ? -1 : emptyLineEnd(window, lineEnd + 1);
  if (blankEnd === undefined) {
    return badGiv('giv-bad-line', 'the GIV line is not followed by an empty line');
  }
  if (blankEnd < 0) {
    return bytes.length >= MAX_GIV_BYTES
      ? badGiv('giv-too-long', `no end of the GIV within ${MAX_GIV_BYTES} bytes`)
      : ok(undefined);
  }
  const line = decodeLatin1(bytes, 0, bytes[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd);
  const match = GIV_LINE.exec(line);
  const index = match ? parseUint(match[1]!, Number.MAX_SAFE_INTEGER) : undefined;
  if (!match || index === undefined) {
    return badGiv('giv-bad-line', `expected "GIV <index>:<32 hex>/<name>", got ${quote(line)}`);
  }
  const serventId = guidFromHex(match[2]!);
  if (!serventId.ok) return serventId;
  const name = decodeUrlName(match[3]!) ?? match[3]!;
  return ok({ index, serventId: serventId.value, name, length: blankEnd });
}

/**
 * Where the empty line starting at `at` ends: -1 while it may still come,
 * undefined when the bytes there are not an empty line.
 */
function emptyLineEnd(bytes: Uint8Array, at: number): number | undefined {
  if (at >= bytes.length) return -1;
  if (bytes[at] === LF) return at + 1;
  if (bytes[at] !== CR) return undefined;
  if (at + 1 >= bytes.length) return -1;
  return bytes[at + 1] === LF ? at + 2 : undefined;
}

function badGiv(code: string, message: string): Result<never> {
  return fail(new ProtocolError(code, message, 'PUSH-8'));
}
