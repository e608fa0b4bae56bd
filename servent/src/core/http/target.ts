/**
 * Request targets of the transfer port (http-transfers.md §2, push.md §6.4):
 * N2R and N2X by URN, legacy `/get/<index>/<name>`, push-proxy requests and
 * browse (`/`). HTTP-1..4, PUSH-15.
 *
 * The index and name of `/get/` are only parsed here. Path traversal cannot
 * happen by construction: the server looks a file up by index (or URN) in its
 * library and compares names, it never turns a target into a path, so a name
 * such as `../../etc/passwd` is just a name that matches no shared file.
 */

import { fail, ProtocolError, type Result, UsageError } from '../errors.js';
import { base32Decode, base32Encode } from '../wire/base32.js';
import { GUID_LENGTH } from '../wire/constants.js';
import { guidFromHex } from '../wire/guid.js';
import { formatUrn, parseUrn, urnSha1 } from '../wire/huge.js';
import { decodeUtf8, encodeUtf8 } from '../wire/text.js';
import { checkIndex, MAX_UINT32, parseUint, quote } from './syntax.js';

export type RequestTarget =
  /** `/uri-res/N2R?<urn>`: the file (HTTP-1); a bitprint is down-converted to its SHA-1 (HTTP-2). */
  | { kind: 'n2r'; sha1: Uint8Array }
  /** `/uri-res/N2X?<urn>`: the file's THEX tree (HTTP-22). */
  | { kind: 'n2x'; sha1: Uint8Array }
  /** `/get/<index>/<name>`, the name URL-decoded (HTTP-4). */
  | { kind: 'get'; index: number; name: string }
  /** Deliver a PUSH to the firewalled servent `serventId` (push.md §6.4). */
  | { kind: 'push-proxy'; serventId: Uint8Array; fileIndex: number; tls: boolean }
  /** `GET /`: Browse Host (magnet.md). */
  | { kind: 'browse' }
  /** A form we know, spelled wrongly: 400 (HTTP-3). */
  | { kind: 'malformed'; reason: string }
  /** Anything else: 404 (or 400, as LimeWire 5 answers unmatched paths). */
  | { kind: 'unknown' };

/** Base32 characters of a 16-byte GUID, unpadded. */
const GUID_BASE32_CHARS = 26;

/**
 * What a request target asks for. Fixed path parts match in any case;
 * `urn:` values follow HUGE (HTTP-2, HTTP-3); push-proxy parameter names
 * match in any case because LimeWire sends `ServerID` where the spec says
 * `ServerId` (push.md §6.4).
 */
export function parseTarget(target: string): RequestTarget {
  if (target === '/') return { kind: 'browse' };
  if (target.slice(0, 5).toLowerCase() === '/get/') return parseGet(target.slice(5));
  const mark = target.indexOf('?');
  const path = (mark < 0 ? target : target.slice(0, mark)).toLowerCase();
  const query = mark < 0 ? undefined : target.slice(mark + 1);
  switch (path) {
    case '/uri-res/n2r':
      return parseUrnTarget('n2r', query);
    case '/uri-res/n2x':
      return parseUrnTarget('n2x', query);
    case '/gnutella/push-proxy':
    case '/gnutella/pushproxy':
      return parsePushProxy(query, 'serverid');
    case '/gnet/push-proxy':
      return parsePushProxy(query, 'guid');
    default:
      return { kind: 'unknown' };
  }
}

/** Only `urn:sha1:<32>` and `urn:bitprint:<32>.<39>` name a file; any other URN is 400 (§2). */
function parseUrnTarget(kind: 'n2r' | 'n2x', query: string | undefined): RequestTarget {
  if (query === undefined) return malformed(`no URN after /uri-res/${kind.toUpperCase()}`);
  const urn = parseUrn(query);
  if (!urn.ok) return malformed(urn.error.message);
  const sha1 = urnSha1(urn.value);
  if (!sha1) return malformed(`not a urn:sha1 or urn:bitprint: ${quote(query)}`);
  return { kind, sha1 };
}

/** `<decimal index>/<url-encoded name>`; the name may itself contain `/`. */
function parseGet(rest: string): RequestTarget {
  const slash = rest.indexOf('/');
  const index = slash < 0 ? undefined : parseUint(rest.slice(0, slash), MAX_UINT32);
  if (index === undefined) return malformed(`expected /get/<index>/<name>: ${quote(rest)}`);
  const name = decodeUrlName(rest.slice(slash + 1));
  if (name === undefined) return malformed(`bad %-escape in ${quote(rest)}`);
  if (name === '') return malformed('empty file name in /get/');
  if (name.includes('\0')) return malformed('NUL in a /get/ file name');
  return { kind: 'get', index, name };
}

/**
 * `ServerId=<26 base32>` (gtk-gnutella also accepts it padded to 32 with
 * `=`) or, on `/gnet/`, `guid=<32 hex>`; `file=<index>` defaults to 0;
 * `tls=true` (push.md §6.4).
 */
function parsePushProxy(query: string | undefined, guidName: 'serverid' | 'guid'): RequestTarget {
  const params = new Map<string, string>();
  for (const pair of (query ?? '').split('&')) {
    const equals = pair.indexOf('=');
    const name = (equals < 0 ? pair : pair.slice(0, equals)).toLowerCase();
    const value = decodeUrlName(equals < 0 ? '' : pair.slice(equals + 1));
    if (value === undefined) return malformed(`bad %-escape in ${quote(pair)}`);
    if (!params.has(name)) params.set(name, value);
  }
  const id = params.get(guidName);
  if (id === undefined) return malformed(`a push-proxy request needs ${guidName}=`);
  const serventId = guidName === 'guid' ? guidFromHex(id) : guidFromBase32(id);
  if (!serventId.ok) return malformed(serventId.error.message);
  const file = params.get('file');
  const fileIndex = file === undefined ? 0 : parseUint(file, MAX_UINT32);
  if (fileIndex === undefined) return malformed(`bad file index ${quote(file ?? '')}`);
  const tls = params.get('tls')?.toLowerCase() === 'true';
  return { kind: 'push-proxy', serventId: serventId.value, fileIndex, tls };
}

function guidFromBase32(text: string): Result<Uint8Array> {
  const bare = text.length === 32 ? text.replace(/={6}$/, '') : text;
  if (bare.length !== GUID_BASE32_CHARS) {
    return fail(
      new ProtocolError(
        'guid-bad-base32',
        `expected ${GUID_BASE32_CHARS} base32 characters, got ${quote(text)}`,
      ),
    );
  }
  return base32Decode(bare);
}

function malformed(reason: string): RequestTarget {
  return { kind: 'malformed', reason };
}

/**
 * The name of a URL-encoded target part, as read off the wire (one character
 * per byte): `%XX` is that byte, `+` is a space (both appear in the wild, §2:
 * `alphabet%20test+file%232.txt` is `alphabet test file#2.txt`), any other
 * character is its own byte, so raw names pass too (RFC draft). The bytes are
 * read as UTF-8, invalid sequences becoming U+FFFD as elsewhere in the codec.
 * Undefined on a `%` without two hex digits or a character above U+00FF.
 */
export function decodeUrlName(text: string): string | undefined {
  const bytes = new Uint8Array(text.length);
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x25) {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9a-f]{2}$/i.test(hex)) return undefined;
      bytes[length++] = Number.parseInt(hex, 16);
      i += 2;
    } else if (code > 0xff) {
      return undefined;
    } else {
      bytes[length++] = code === 0x2b ? 0x20 : code;
    }
  }
  return decodeUtf8(bytes, 0, length);
}

const UNRESERVED = /^[A-Za-z0-9._~-]$/;

/**
 * Percent-encodes the UTF-8 bytes of a file name, all but RFC 3986
 * unreserved characters, for `/get/` requests (HTTP-25) and GIV lines.
 */
export function urlEncodeName(name: string): string {
  let text = '';
  for (const byte of encodeUtf8(name)) {
    const char = String.fromCharCode(byte);
    text += UNRESERVED.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return text;
}

/** `/uri-res/N2R?urn:sha1:<BASE32>`, the form to prefer whenever the SHA-1 is known (HTTP-25). */
export function n2rTarget(sha1: Uint8Array): string {
  return `/uri-res/N2R?${formatUrn({ type: 'sha1', sha1 })}`;
}

/** `/get/<index>/<url-encoded name>`, for sources that gave no SHA-1 (HTTP-25). */
export function getTarget(index: number, name: string): string {
  checkIndex(index);
  return `/get/${index}/${urlEncodeName(name)}`;
}

/**
 * The push-proxy request path, spelled `ServerId` exactly, since
 * gtk-gnutella's parameter lookup is case-sensitive (push.md §6.4).
 */
export function pushProxyTarget(serventId: Uint8Array, fileIndex = 0, tls = false): string {
  if (serventId.length !== GUID_LENGTH) {
    throw new UsageError(`a servent id has ${GUID_LENGTH} bytes, got ${serventId.length}`);
  }
  checkIndex(fileIndex);
  const file = fileIndex === 0 ? '' : `&file=${fileIndex}`;
  return `/gnutella/push-proxy?ServerId=${base32Encode(serventId)}${file}${tls ? '&tls=true' : ''}`;
}
