/**
 * Magnet links (magnet.md §1–§4): read into what a download and its searches
 * need, and written for files we share. A magnet arrives from a user, a web
 * page or a MAGMA list, so the reader is bounded and lenient: what it cannot
 * use it skips, as LimeWire and gtk-gnutella do (MAG-1).
 */

import { fail, ok, ProtocolError, type Result, UsageError } from '../errors.js';
import { sha1Urn } from '../hash/index.js';
import { guidFromHex, parseUrn, urnSha1 } from '../wire/index.js';

export interface Magnet {
  sha1?: Uint8Array;
  /** Tiger tree root, from a bitprint or `urn:tree:tiger(/):`. */
  tigerRoot?: Uint8Array;
  /** From `dn`, already made a safe file name by `safeFileName`. */
  name?: string;
  size?: number;
  keywords?: string;
  /** `xs` and `as` `http://` URLs, as given: path and query are kept for the request line (MAG-4). */
  sources: string[];
  /** Servent GUIDs from `xs=urn:guid:<32 hex>` (LimeWire), for a later push. */
  serventIds: Uint8Array[];
  /** gtk-gnutella `push://<guid>:<proxy>…/path` sources, as given. */
  pushSources: string[];
}

/** Longest magnet read, in characters. */
export const MAX_MAGNET_LENGTH = 8192;
/** Most `key=value` pairs read from one magnet. */
export const MAX_MAGNET_PAIRS = 100;

const utf8 = new TextEncoder();
const lenientUtf8 = new TextDecoder('utf-8');

/** Percent-escapes decoded as UTF-8 (bad sequences become U+FFFD); `+` is a space only where asked. */
function decode(text: string, plusIsSpace = false): string {
  const spaced = plusIsSpace ? text.replaceAll('+', ' ') : text;
  return spaced.replace(/(?:%[0-9a-f]{2})+/gi, (run) => {
    const bytes = new Uint8Array(run.length / 3);
    for (let i = 0; i < bytes.length; i++)
      bytes[i] = Number.parseInt(run.slice(3 * i + 1, 3 * i + 3), 16);
    return lenientUtf8.decode(bytes);
  });
}

/**
 * MAG-2: `xt.1`, `dn.1`… belong to magnet 1; no suffix is magnet 0. Only a
 * purely numeric part after the last dot is an index, so vendor keys such as
 * `x.guid` keep their name (and, unknown, are ignored).
 */
function splitKey(key: string): { name: string; index: number } {
  const match = /^(.+)\.(\d{1,9})$/.exec(key);
  return match ? { name: match[1]!, index: Number(match[2]) } : { name: key, index: 0 };
}

const pushOnce = (list: string[], value: string): void => {
  if (!list.includes(value)) list.push(value);
};

/** A source written as a URL is kept as given; an escaped one (`http%3A%2F%2F…`) is decoded first. */
function addSource(magnet: Magnet, raw: string): void {
  const value = /^(?:http|push):\/\//i.test(raw) ? raw : decode(raw);
  const scheme = value.slice(0, value.indexOf(':') + 1).toLowerCase();
  if (scheme === 'http:') pushOnce(magnet.sources, value);
  else if (scheme === 'push:') pushOnce(magnet.pushSources, value);
  else if (value.toLowerCase().startsWith('urn:guid:')) {
    const guid = guidFromHex(value.slice('urn:guid:'.length));
    if (guid.ok && !magnet.serventIds.some((id) => id.every((b, i) => b === guid.value[i]))) {
      magnet.serventIds.push(guid.value);
    }
  }
}

/** MAG-3: the SHA-1 from `urn:sha1:` or a bitprint, the TTH from a bitprint or `urn:tree:tiger(/):`. The first of each wins. */
function addExactTopic(magnet: Magnet, value: string): void {
  const urn = parseUrn(value);
  if (!urn.ok) return;
  magnet.sha1 ??= urnSha1(urn.value);
  if (urn.value.type === 'bitprint' || urn.value.type === 'tiger-tree') {
    magnet.tigerRoot ??= urn.value.tigerTree;
  }
}

const DECIMAL = /^\d{1,16}$/;

function addPair(magnet: Magnet, name: string, raw: string): void {
  switch (name) {
    case 'xt':
      addExactTopic(magnet, decode(raw));
      break;
    case 'xl': {
      const size = decode(raw).trim();
      if (DECIMAL.test(size) && Number.isSafeInteger(Number(size))) magnet.size ??= Number(size);
      break;
    }
    case 'dn': {
      const name = decode(raw, true); // MAG-7: `+` and `%20` are both spaces
      if (name.trim() !== '') magnet.name ??= safeFileName(name);
      break;
    }
    case 'kt': {
      const keywords = decode(raw, true).trim();
      if (keywords !== '') magnet.keywords ??= keywords;
      break;
    }
    case 'xs':
    case 'as':
      addSource(magnet, raw);
      break;
  }
}

const KNOWN_KEYS = new Set(['xt', 'xl', 'dn', 'kt', 'xs', 'as']);

/**
 * The magnets of a `magnet:?` URI, in index order (MAG-1, MAG-2, MAG-3,
 * MAG-7). Keys are read in any case. A magnet with no hash, no source and no
 * keywords gives nothing to download or search for and is left out. Without
 * an `xt` SHA-1, one named in a source URL is taken, as LimeWire does (§3).
 * Fails only on the scheme and on the size bounds.
 */
export function parseMagnet(uri: string): Result<Magnet[]> {
  if (uri.length > MAX_MAGNET_LENGTH) {
    return badMagnet('magnet-too-long', `${uri.length} characters (most ${MAX_MAGNET_LENGTH})`);
  }
  if (!/^magnet:\?/i.test(uri))
    return badMagnet('magnet-bad-scheme', 'it does not start with magnet:?');
  const pairs = uri
    .slice('magnet:?'.length)
    .split('&')
    .filter((pair) => pair !== '');
  if (pairs.length > MAX_MAGNET_PAIRS) {
    return badMagnet('magnet-too-many-pairs', `${pairs.length} pairs (most ${MAX_MAGNET_PAIRS})`);
  }
  const groups = new Map<number, Magnet>();
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    if (equals < 0) continue;
    const { name, index } = splitKey(decode(pair.slice(0, equals)).toLowerCase());
    if (!KNOWN_KEYS.has(name)) continue;
    let magnet = groups.get(index);
    if (!magnet) {
      magnet = { sources: [], serventIds: [], pushSources: [] };
      groups.set(index, magnet);
    }
    addPair(magnet, name, pair.slice(equals + 1));
  }
  const magnets = [...groups].sort(([a], [b]) => a - b).map(([, magnet]) => magnet);
  for (const magnet of magnets) magnet.sha1 ??= sha1InSources(magnet.sources);
  return ok(
    magnets.filter(
      (m) =>
        m.sha1 !== undefined ||
        m.tigerRoot !== undefined ||
        m.sources.length > 0 ||
        m.pushSources.length > 0 ||
        m.keywords !== undefined,
    ),
  );
}

function sha1InSources(sources: readonly string[]): Uint8Array | undefined {
  for (const source of sources) {
    const match = /urn:sha1:[a-z2-7]{32}(?![a-z2-7])/i.exec(source);
    const urn = match ? parseUrn(match[0]) : undefined;
    if (urn?.ok) return urnSha1(urn.value);
  }
  return undefined;
}

const badMagnet = (code: string, what: string): Result<never> =>
  fail(new ProtocolError(code, `magnet rejected: ${what}`));

/** Longest file name most file systems store, in UTF-8 bytes. */
const MAX_NAME_BYTES = 255;
/** Longest extension kept when a long name is cut. */
const MAX_EXTENSION_CHARS = 16;

const utf8Length = (codePoint: number): number =>
  codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;

/**
 * A name from a peer or a magnet made safe to create in our download
 * directory (MAG-7): path separators, NUL and control characters become `_`,
 * unpaired surrogates U+FFFD; leading dots and blanks go (no `..`, no hidden
 * file); at most 255 UTF-8 bytes, cut before the extension; `download` when
 * nothing is left.
 */
export function safeFileName(name: string): string {
  const cleaned = name
    .replace(/[\p{Cc}/\\]/gu, '_')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
    .replace(/^[\s.]+/u, '')
    .trimEnd();
  const fitted = fitBytes(cleaned);
  return fitted === '' ? 'download' : fitted;
}

/** `name` cut to MAX_NAME_BYTES of UTF-8 at a character boundary, keeping a short extension. */
function fitBytes(name: string): string {
  if (utf8.encode(name).length <= MAX_NAME_BYTES) return name;
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 && name.length - dot <= MAX_EXTENSION_CHARS ? name.slice(dot) : '';
  let budget = MAX_NAME_BYTES - utf8.encode(extension).length;
  let stem = '';
  for (const char of name.slice(0, name.length - extension.length)) {
    budget -= utf8Length(char.codePointAt(0)!);
    if (budget < 0) break;
    stem += char;
  }
  return stem + extension;
}

/** Percent-escapes (UTF-8, upper-case hex) every byte `keep` refuses. */
function percentEncode(text: string, keep: (byte: number) => boolean): string {
  let out = '';
  for (const byte of utf8.encode(text)) {
    out += keep(byte)
      ? String.fromCharCode(byte)
      : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

// dn: only RFC 3986 unreserved characters and the few encodeURIComponent keeps.
const isNameByte = (b: number): boolean => /[A-Za-z0-9\-_.~!*'()]/.test(String.fromCharCode(b));
// Sources: printable ASCII stays (producers leave `?`, `:` and `%` raw, §4) except what would end the value.
const isSourceByte = (b: number): boolean => b > 0x20 && b < 0x7f && b !== 0x26 && b !== 0x23;

/**
 * A LimeWire-style magnet for a file we share (§4): `xt` the SHA-1 URN,
 * `dn` escaped (`&`, `=`, `%`, `#`, `+`, space and non-ASCII among others),
 * one `xs` per source URL, then `xl`.
 */
export function formatMagnet(file: {
  sha1: Uint8Array;
  name: string;
  size: number;
  sources?: string[];
}): string {
  if (!Number.isSafeInteger(file.size) || file.size < 0) {
    throw new UsageError(`a magnet's size is a safe integer >= 0, got ${file.size}`);
  }
  const pairs = [
    `xt=${sha1Urn(file.sha1)}`,
    `dn=${percentEncode(file.name, isNameByte)}`,
    ...(file.sources ?? []).map((source) => `xs=${percentEncode(source, isSourceByte)}`),
    `xl=${file.size}`,
  ];
  return `magnet:?${pairs.join('&')}`;
}
