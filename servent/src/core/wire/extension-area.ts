/**
 * The extension area of a Query (after the criteria NUL) and of a QueryHit
 * record (between its two NULs): HUGE/GEM strings and GGEP blocks separated
 * by 0x1C (ggep-huge.md §5, messages.md §9–10, GGEP-9 to GGEP-11, MSG-26).
 *
 * Reading follows GGEP appendix B: at 0xC3 read one GGEP block, otherwise one
 * string up to the next 0x1C, 0x00 or the end; then skip one 0x1C or 0x00.
 * Each block records the separator that followed it when that differs from
 * the writing rule (0x1C between blocks, nothing after the last), so a
 * decoded area encodes back to the same bytes.
 */

import { type ProtocolError, UsageError } from '../errors.js';
import { GEM_SEPARATOR, GGEP_MAGIC } from './constants.js';
import {
  encodeGgep,
  type GgepExtension,
  type InflateBudget,
  newInflateBudget,
  parseGgepBlock,
} from './ggep.js';

/** What follows a block: 0x1C, 0x00, or directly the next block (only possible after GGEP). */
export type Separator = 'fs' | 'nul' | 'none';

interface Separated {
  /** Omitted: the writing rule of §5 (0x1C between blocks, nothing after the last). */
  sep?: Separator;
}

export type ExtensionBlock = Separated &
  (
    | {
        /**
         * A string, kept as sent: `urn` (starts with `urn:` in any case, a
         * HUGE string: see `parseUrnBlock`), `xml` (starts with `<`, or `{`
         * as in `{deflate}` binary XML), `text` (anything else: plain-text
         * metadata such as `128 kbps 44 kHz 3:23`, or unknown).
         */
        kind: 'urn' | 'xml' | 'text';
        bytes: Uint8Array;
      }
    | { kind: 'ggep'; extensions: GgepExtension[] }
    /**
     * A malformed GGEP block and everything after it, uninterpreted: its end
     * cannot be known. The message can be processed without it (GGEP-12).
     */
    | { kind: 'bad-ggep'; bytes: Uint8Array; error: ProtocolError }
  );

const URN_PREFIX_LENGTH = 4;

// Shared by empty strings: a view costs more than the rest of a short block.
const EMPTY = new Uint8Array(0);

export interface ParsedArea {
  blocks: ExtensionBlock[];
  /** A 0x00 ended the area where a separator could stand (a Query's trailing NUL, MSG-26). */
  trailingNul: boolean;
}

/**
 * Parses `bytes[start, end)`. Never fails: a malformed GGEP block becomes a
 * `bad-ggep` block. With `trailingNul`, a 0x00 that is the area's last byte
 * and stands where a separator may is reported as such instead of as a
 * separator. Blocks hold copies, never views of `bytes`.
 */
export function parseExtensionArea(
  bytes: Uint8Array,
  start: number,
  end: number,
  budget: InflateBudget,
  trailingNul = false,
): ParsedArea {
  const area: ParsedArea = { blocks: [], trailingNul: false };
  const { blocks } = area;
  let at = start;
  while (at < end) {
    let block: ExtensionBlock;
    if (bytes[at] === GGEP_MAGIC) {
      const ggep = parseGgepBlock(bytes, at, end, budget);
      if (!ggep.ok) {
        blocks.push({ kind: 'bad-ggep', bytes: bytes.slice(at, end), error: ggep.error });
        break;
      }
      block = { kind: 'ggep', extensions: ggep.value.extensions };
      at = ggep.value.end;
    } else {
      let stop = at;
      while (stop < end && bytes[stop] !== GEM_SEPARATOR && bytes[stop] !== 0) stop++;
      block = {
        kind: stringKind(bytes, at, stop),
        bytes: stop > at ? bytes.slice(at, stop) : EMPTY,
      };
      at = stop;
    }
    let sep: Separator =
      at >= end ? 'none' : bytes[at] === GEM_SEPARATOR ? 'fs' : bytes[at] === 0 ? 'nul' : 'none';
    if (sep !== 'none') at++;
    if (sep === 'nul' && at === end && trailingNul) {
      area.trailingNul = true;
      sep = 'none';
      // A lone final NUL is no block: the previous one, if any, becomes the last.
      if (block.kind === 'text' && block.bytes.length === 0) {
        const previous = blocks[blocks.length - 1];
        if (previous !== undefined) previous.sep ??= 'fs';
        break;
      }
    }
    const last = at >= end;
    if (last ? sep !== 'none' : sep !== 'fs') block.sep = sep;
    blocks.push(block);
  }
  return area;
}

/** What the string `bytes[start, stop)` is, by its first bytes (§5). */
function stringKind(bytes: Uint8Array, start: number, stop: number): 'urn' | 'xml' | 'text' {
  const first = bytes[start];
  if (first === 0x3c || first === 0x7b) return 'xml';
  return stop - start >= URN_PREFIX_LENGTH && hasUrnPrefix(bytes, start) ? 'urn' : 'text';
}

/** `urn:` in any case (HUGE-2). */
function hasUrnPrefix(bytes: Uint8Array, at: number): boolean {
  return (
    (bytes[at]! | 0x20) === 0x75 &&
    (bytes[at + 1]! | 0x20) === 0x72 &&
    (bytes[at + 2]! | 0x20) === 0x6e &&
    bytes[at + 3] === 0x3a
  );
}

/** Decodes a whole area, e.g. a record's, held in `bytes`. */
export const decodeExtensionArea = (bytes: Uint8Array): ExtensionBlock[] =>
  parseExtensionArea(bytes, 0, bytes.length, newInflateBudget()).blocks;

/**
 * The bytes of `blocks`. Throws a UsageError for a layout that would read
 * back differently: a string holding 0x1C or 0x00, a `text` block that looks
 * like a URN, XML or GGEP, a string followed directly by another block, an
 * empty string at the very end, or a `bad-ggep` block that is not last.
 */
export function encodeExtensionArea(blocks: readonly ExtensionBlock[]): Uint8Array {
  const parts: Uint8Array[] = [];
  // The byte written after each part, or -1 for none.
  const seps: number[] = [];
  let total = 0;
  blocks.forEach((block, i) => {
    const last = i === blocks.length - 1;
    const sep = block.sep ?? (last ? 'none' : 'fs');
    const bytes = blockBytes(block, i);
    if (block.kind === 'bad-ggep' && !last) {
      throw new UsageError(`extension block ${i}: a bad-ggep block runs to the end of the area`);
    }
    if (block.kind !== 'ggep' && block.kind !== 'bad-ggep' && sep === 'none' && !last) {
      throw new UsageError(`extension block ${i}: a string must be followed by 0x1C or 0x00`);
    }
    if (bytes.length === 0 && sep === 'none') {
      throw new UsageError(`extension block ${i}: an empty string needs a separator after it`);
    }
    if (blocks[i - 1]?.sep === 'none' && bytes.length === 0) {
      throw new UsageError(`extension block ${i}: an empty string cannot follow a block directly`);
    }
    parts.push(bytes);
    seps.push(sep === 'fs' ? GEM_SEPARATOR : sep === 'nul' ? 0 : -1);
    total += bytes.length + (sep === 'none' ? 0 : 1);
  });
  const area = new Uint8Array(total);
  let at = 0;
  parts.forEach((part, i) => {
    area.set(part, at);
    at += part.length;
    if (seps[i]! >= 0) area[at++] = seps[i]!;
  });
  return area;
}

function blockBytes(block: ExtensionBlock, i: number): Uint8Array {
  switch (block.kind) {
    case 'ggep':
      return encodeGgep(block.extensions);
    case 'bad-ggep':
      if (block.bytes[0] !== GGEP_MAGIC) {
        throw new UsageError(`extension block ${i}: a bad-ggep block starts with 0xc3`);
      }
      return block.bytes;
    case 'urn':
    case 'xml':
    case 'text': {
      const { bytes } = block;
      const kind = stringKind(bytes, 0, bytes.length);
      if (kind !== block.kind || bytes[0] === GGEP_MAGIC) {
        throw new UsageError(
          `extension block ${i}: these bytes would read back as ${bytes[0] === GGEP_MAGIC ? 'GGEP' : `a ${kind} block`}, not ${block.kind}`,
        );
      }
      if (bytes.includes(GEM_SEPARATOR) || bytes.includes(0)) {
        throw new UsageError(`extension block ${i}: a string cannot contain 0x1C or 0x00`);
      }
      return bytes;
    }
  }
}
