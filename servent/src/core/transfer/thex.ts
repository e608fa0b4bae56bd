/**
 * THEX over DIME (http-transfers.md §10.3, §10.4): the body of a
 * `/uri-res/N2X?` answer, a DIME message of two records — an XML description,
 * then the top levels of the file's Tiger tree, breadth-first (HTTP-22). The
 * reader checks everything HTTP-33 asks before a tree is trusted.
 */

import { fail, ok, ProtocolError, type Result, UsageError } from '../errors.js';
import { TIGER_LENGTH, TigerTree, treeHeight } from '../hash/index.js';

const XML_TYPE = 'text/xml';
const TREE_TYPE = 'http://open-content.net/spec/thex/breadthfirst';
const TIGER_ALGORITHM = 'http://open-content.net/spec/digest/tiger';
const DTD = 'http://open-content.net/spec/thex/thex.dtd';

/** The deepest level any servent serves: LimeWire's, for files of 64 GiB and more (§10.3). */
const MAX_SERVED_DEPTH = 13;

/** Longest XML record we read; the description is about 400 bytes. */
const MAX_XML_BYTES = 4096;

/**
 * Largest THEX body a downloader should read: levels 0..13 (at most
 * 2^14 - 1 nodes, since level d has at most 2^d) plus room for the XML
 * record, both record headers, IDs, types and padding. A deeper tree is
 * refused (`thex-too-large`): nobody serves one (§10.3).
 */
export const MAX_THEX_BYTES = (2 ** (MAX_SERVED_DEPTH + 1) - 1) * TIGER_LENGTH + 2 * MAX_XML_BYTES;

// §10.3: the depth served for files below each size (LimeWire's table; gtk-gnutella's up to 1 GiB).
const KIB = 1024;
const MIB = 1024 * KIB;
const GIB = 1024 * MIB;
const DEPTH_LIMITS = [
  256 * KIB,
  512 * KIB,
  MIB,
  2 * MIB,
  4 * MIB,
  8 * MIB,
  16 * MIB,
  32 * MIB,
  64 * MIB,
  256 * MIB,
  GIB,
  4 * GIB,
  64 * GIB,
];

/**
 * Levels 0..thexDepth(fileSize) are what we serve (§10.3), never deeper than
 * the tree itself. Nodes of the deepest level are the slices a downloader
 * verifies (§10.5): at most 512 KiB below 256 MiB, larger above.
 */
export function thexDepth(fileSize: number): number {
  const depth = DEPTH_LIMITS.findIndex((limit) => fileSize < limit);
  return Math.min(depth < 0 ? MAX_SERVED_DEPTH : depth, treeHeight(fileSize));
}

/** Bytes of file under one node of the deepest level `tree` holds: the unit of verification (§10.5). */
export const blockSizeFor = (tree: TigerTree): number => tree.blockSize(tree.depth);

// DIME (§10.4): a 12-byte header, then options, ID, type and data, each padded to 4 bytes.
const DIME_HEADER = 12;
const DIME_VERSION = 1;
const FLAG_MB = 0x04;
const FLAG_ME = 0x02;
const FLAG_CF = 0x01;
const TNF_MEDIA_TYPE = 0x1;
const TNF_ABSOLUTE_URI = 0x2;

const pad4 = (n: number): number => (n + 3) & ~3;
const ascii = new TextEncoder();

interface DimeRecord {
  id: string;
  /** Read in lower case: gtk-gnutella matches types case-insensitively. */
  type: string;
  data: Uint8Array;
}

function dimeRecord(flags: number, tnf: number, record: DimeRecord): Uint8Array {
  const id = ascii.encode(record.id);
  const type = ascii.encode(record.type);
  const out = new Uint8Array(
    DIME_HEADER + pad4(id.length) + pad4(type.length) + pad4(record.data.length),
  );
  const view = new DataView(out.buffer);
  out[0] = (DIME_VERSION << 3) | flags;
  out[1] = tnf << 4;
  view.setUint16(4, id.length);
  view.setUint16(6, type.length);
  view.setUint32(8, record.data.length);
  out.set(id, DIME_HEADER);
  out.set(type, DIME_HEADER + pad4(id.length));
  out.set(record.data, DIME_HEADER + pad4(id.length) + pad4(type.length));
  return out;
}

// An ID is written into an XML attribute and a DIME field: printable ASCII, nothing XML would read as markup.
const RECORD_ID = /^uuid:[\x21-\x7e]{1,1019}$/i;
const XML_SPECIAL = /['"<>&]/;

/**
 * The N2X body for levels 0..`depth` of `tree` (HTTP-22): record 1 the XML
 * (flags MB, type `text/xml`), record 2 the nodes (flags ME, ID `uuid`, type
 * the breadth-first URI). The XML is written on one line, as in §12 F.
 * `uuid` is the tree record's ID, e.g. `uuid:6f1c2b6e-…`; a bare RFC 4122
 * UUID gets the `uuid:` prefix. The core has no RNG: the caller makes it.
 */
export function encodeThex(tree: TigerTree, depth: number, uuid: string): Uint8Array {
  const id = /^uuid:/i.test(uuid) ? uuid : `uuid:${uuid}`;
  if (!RECORD_ID.test(id) || XML_SPECIAL.test(id)) {
    throw new UsageError(
      `a THEX record ID is printable ASCII without quotes, <, > or &, got ${JSON.stringify(uuid)}`,
    );
  }
  const nodes = tree.serialize(depth);
  const xml =
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<!DOCTYPE hashtree SYSTEM "${DTD}">` +
    '<hashtree>' +
    `<file size='${tree.fileSize}' segmentsize='1024'/>` +
    `<digest algorithm='${TIGER_ALGORITHM}' outputsize='${TIGER_LENGTH}'/>` +
    `<serializedtree depth='${depth}' type='${TREE_TYPE}' uri='${id}'/>` +
    '</hashtree>';
  const first = dimeRecord(FLAG_MB, TNF_MEDIA_TYPE, {
    id: '',
    type: XML_TYPE,
    data: ascii.encode(xml),
  });
  const second = dimeRecord(FLAG_ME, TNF_ABSOLUTE_URI, { id, type: TREE_TYPE, data: nodes });
  const body = new Uint8Array(first.length + second.length);
  body.set(first);
  body.set(second, first.length);
  return body;
}

const badThex = (code: string, message: string): Result<never> =>
  fail(new ProtocolError(code, message, 'HTTP-33'));

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8');

/** The records of a DIME message up to the one flagged ME; bytes after it are ignored. */
function parseDime(body: Uint8Array): Result<DimeRecord[]> {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const records: DimeRecord[] = [];
  let offset = 0;
  for (;;) {
    if (offset + DIME_HEADER > body.length) {
      return badThex(
        'thex-dime-truncated',
        `DIME record ${records.length} header ends past the body`,
      );
    }
    const flags = body[offset]!;
    if (flags >> 3 !== DIME_VERSION) {
      return badThex(
        'thex-dime-version',
        `DIME record ${records.length} is version ${flags >> 3}, not 1`,
      );
    }
    const begins = (flags & FLAG_MB) !== 0;
    if (begins !== (records.length === 0)) {
      return badThex(
        'thex-dime-flags',
        `DIME record ${records.length} has a wrong message-begin flag`,
      );
    }
    if (flags & FLAG_CF) {
      return badThex('thex-dime-chunked', 'chunked DIME records are not used by THEX');
    }
    const lengths = [
      view.getUint16(offset + 2),
      view.getUint16(offset + 4),
      view.getUint16(offset + 6),
      view.getUint32(offset + 8),
    ];
    // Options, ID, type, data: each starts on a 4-byte boundary; only the final padding may be absent.
    const fields: Uint8Array[] = [];
    let at = offset + DIME_HEADER;
    for (const length of lengths) {
      if (at + length > body.length) {
        return badThex('thex-dime-truncated', `DIME record ${records.length} ends past the body`);
      }
      fields.push(body.subarray(at, at + length));
      at += pad4(length);
    }
    records.push({
      id: latin1.decode(fields[1]!),
      type: latin1.decode(fields[2]!).toLowerCase(),
      data: fields[3]!,
    });
    if (flags & FLAG_ME) return ok(records);
    offset = at;
  }
}

/** Attributes of the first `<name …>` element, or undefined. Bounded input, no backtracking blow-up. */
function attributes(xml: string, name: string): Map<string, string> | undefined {
  const element = new RegExp(`<${name}\\s([^<>]*)>`).exec(xml);
  if (!element) return undefined;
  const found = new Map<string, string>();
  for (const match of element[1]!.matchAll(/([\w:-]+)\s*=\s*(?:'([^']*)'|"([^"]*)")/g)) {
    found.set(match[1]!, match[2] ?? match[3]!);
  }
  return found;
}

const DECIMAL = /^\d{1,16}$/;

interface TreeDescription {
  depth: number;
  uri: string;
}

/** The XML record's checks of §10.4: file size, segment size, algorithm, output size, serialisation. */
function readDescription(data: Uint8Array, fileSize: number): Result<TreeDescription> {
  if (data.length > MAX_XML_BYTES) {
    return badThex('thex-bad-xml', `XML record of ${data.length} bytes (most ${MAX_XML_BYTES})`);
  }
  const xml = utf8.decode(data);
  const file = attributes(xml, 'file');
  const digest = attributes(xml, 'digest');
  const serialized = attributes(xml, 'serializedtree');
  if (!file || !digest || !serialized) {
    return badThex('thex-bad-xml', 'XML lacks a file, digest or serializedtree element');
  }
  if (file.get('size') !== String(fileSize)) {
    return badThex(
      'thex-file-size-mismatch',
      `tree describes a file of ${JSON.stringify(file.get('size'))} bytes, expected ${fileSize}`,
    );
  }
  if (file.get('segmentsize') !== '1024') {
    return badThex(
      'thex-bad-segment-size',
      `segmentsize ${JSON.stringify(file.get('segmentsize'))}, not 1024`,
    );
  }
  if (digest.get('algorithm') !== TIGER_ALGORITHM || digest.get('outputsize') !== '24') {
    return badThex('thex-bad-algorithm', `digest is not ${TIGER_ALGORITHM} with outputsize 24`);
  }
  if (serialized.get('type') !== TREE_TYPE) {
    return badThex('thex-bad-serialization', `serializedtree type is not ${TREE_TYPE}`);
  }
  const depth = serialized.get('depth') ?? '';
  if (!DECIMAL.test(depth) || Number(depth) > treeHeight(fileSize)) {
    return badThex(
      'thex-bad-depth',
      `depth ${JSON.stringify(depth)} is not a level of the ${treeHeight(fileSize)}-level tree of a ${fileSize}-byte file`,
    );
  }
  return ok({ depth: Number(depth), uri: serialized.get('uri') ?? '' });
}

/**
 * A tree received in an N2X answer, checked as HTTP-33 requires: DIME
 * framing, the XML description (§10.4), the node count against the declared
 * depth, every parent against its children and the root against
 * `expected.root` (from `X-Thex-URI`, a bitprint or a magnet). Any failure
 * means the tree must be discarded. Never throws on peer input.
 *
 * Tolerated, as gtk-gnutella does: the tree record found by type alone when
 * no record has the XML's ID (BearShare 5.2 mangles it), and fewer levels
 * than the XML declares (Shareaza counts levels, not depth).
 */
export function decodeThex(
  body: Uint8Array,
  expected: { fileSize: number; root: Uint8Array },
): Result<TigerTree> {
  if (
    !Number.isSafeInteger(expected.fileSize) ||
    expected.fileSize < 0 ||
    expected.root.length !== TIGER_LENGTH
  ) {
    throw new UsageError(
      'expected is a file size (safe integer >= 0) and a 24-byte Tiger tree root',
    );
  }
  if (body.length > MAX_THEX_BYTES) {
    return badThex('thex-too-large', `THEX body of ${body.length} bytes (most ${MAX_THEX_BYTES})`);
  }
  const records = parseDime(body);
  if (!records.ok) return records;
  const xml = records.value.find((r) => r.type === XML_TYPE);
  if (!xml) return badThex('thex-no-xml', 'no text/xml record');
  const description = readDescription(xml.data, expected.fileSize);
  if (!description.ok) return description;
  const trees = records.value.filter((r) => r.type === TREE_TYPE);
  const uri = description.value.uri.toLowerCase();
  const tree = trees.find((r) => r.id.toLowerCase() === uri) ?? trees[0];
  if (!tree) return badThex('thex-no-tree', `no ${TREE_TYPE} record`);
  const result = TigerTree.fromBreadthFirst(tree.data, expected.fileSize, expected.root);
  if (result.ok && result.value.depth > description.value.depth) {
    return badThex(
      'thex-depth-mismatch',
      `tree holds levels 0..${result.value.depth}, more than the declared depth ${description.value.depth}`,
    );
  }
  return result;
}
