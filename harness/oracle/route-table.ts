/**
 * ROUTE_TABLE_UPDATE messages read byte by byte from qrp.md §5 and applied as
 * §7 says receivers do (negative = present, positive = absent, zero =
 * unchanged), without the core's QRP module: the independent reading of a
 * table a servent sends.
 */
import { inflateSync } from 'node:zlib';

export interface HandReset {
  variant: 'reset';
  length: number;
  infinity: number;
  payloadLength: number;
}

export interface HandPatch {
  variant: 'patch';
  seqNo: number;
  seqSize: number;
  compressor: number;
  entryBits: number;
  data: Buffer;
  payloadLength: number;
}

export function readUpdateByHand(payload: Uint8Array): HandReset | HandPatch {
  const p = Buffer.from(payload);
  if (p[0] === 0x00) {
    if (p.length < 6) throw new Error(`RESET payload of ${p.length} bytes (6 expected)`);
    return {
      variant: 'reset',
      length: p.readUInt32LE(1),
      infinity: p[5]!,
      payloadLength: p.length,
    };
  }
  if (p[0] === 0x01) {
    if (p.length < 6) throw new Error(`PATCH payload of ${p.length} bytes (at least 6 expected)`);
    return {
      variant: 'patch',
      seqNo: p[1]!,
      seqSize: p[2]!,
      compressor: p[3]!,
      entryBits: p[4]!,
      data: p.subarray(5),
      payloadLength: p.length,
    };
  }
  throw new Error(`ROUTE_TABLE_UPDATE variant 0x${(p[0] ?? 0).toString(16)} (0 or 1 expected)`);
}

/** One entry per slot, signed, from the uncompressed patch bytes (§5: high nibble first). */
export function unpackEntries(bytes: Buffer, entryBits: number): Int8Array {
  if (entryBits === 8) return new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length).slice();
  if (entryBits === 4) {
    const out = new Int8Array(bytes.length * 2);
    for (let i = 0; i < bytes.length; i++) {
      const hi = bytes[i]! >> 4;
      const lo = bytes[i]! & 0x0f;
      out[2 * i] = hi >= 8 ? hi - 16 : hi;
      out[2 * i + 1] = lo >= 8 ? lo - 16 : lo;
    }
    return out;
  }
  if (entryBits === 1) {
    // A toggle per slot, MSB first; reported as -1 so that applying it to an empty table marks present.
    const out = new Int8Array(bytes.length * 8);
    for (let i = 0; i < out.length; i++) out[i] = (bytes[i >> 3]! >> (7 - (i & 7))) & 1 ? -1 : 0;
    return out;
  }
  throw new Error(`entry bits ${entryBits} (4 or 8 expected, 1 only after QRP1)`);
}

/** A whole PATCH sequence's entries: data concatenated, inflated as one zlib stream when compressor is 1. */
export function sequenceEntries(patches: readonly HandPatch[]): Int8Array {
  const first = patches[0];
  if (!first) throw new Error('no PATCH in the sequence');
  const data = Buffer.concat(patches.map((p) => p.data));
  const raw = first.compressor === 1 ? inflateSync(data) : data;
  return unpackEntries(raw, first.entryBits);
}

/** Applies entries to a presence set (negative = present, positive = absent). */
export function applyEntries(present: Set<number>, entries: Int8Array): Set<number> {
  const next = new Set(present);
  for (let slot = 0; slot < entries.length; slot++) {
    const e = entries[slot]!;
    if (e < 0) next.add(slot);
    else if (e > 0) next.delete(slot);
  }
  return next;
}

/** The slots whose entry is non-zero. */
export function changedSlots(entries: Int8Array): number[] {
  const out: number[] = [];
  for (let slot = 0; slot < entries.length; slot++) if (entries[slot] !== 0) out.push(slot);
  return out;
}

/**
 * The QRP hash of qrp.md §3, written from the text: low bytes of the
 * lower-cased UTF-16 units XORed into 32 bits little-endian, times
 * 0x4F1BBCDC, top `bits` bits. Checked against the spec's vectors in
 * harness/test/oracle.test.ts.
 */
export function qrpHashByHand(word: string, bits: number): number {
  let packed = 0;
  for (let i = 0; i < word.length; i++) {
    const unit = word.charCodeAt(i);
    const lower = String.fromCharCode(unit).toLowerCase();
    const low = (lower.length === 1 ? lower.charCodeAt(0) : unit) & 0xff;
    packed ^= low << (8 * (i % 4));
  }
  const product = Math.imul(packed, 0x4f1bbcdc) >>> 0;
  return bits === 0 ? 0 : product >>> (32 - bits);
}

/** The plain words of a file name (split on anything but ASCII letters and digits), extension included. */
export function nameWords(name: string): string[] {
  return [...new Set(name.toLowerCase().match(/[a-z0-9]+/g) ?? [])];
}

/** A RESET and the PATCH sequence after it, or a PATCH sequence on its own (an update). */
export interface TableSequence {
  reset: HandReset | undefined;
  patches: HandPatch[];
  /** The last PATCH had seq no = seq size (or there is a RESET and no PATCH yet: not complete). */
  complete: boolean;
}

/** Groups updates in arrival order into RESET-led tables and stand-alone PATCH sequences. */
export function groupSequences(updates: ReadonlyArray<HandReset | HandPatch>): TableSequence[] {
  const out: TableSequence[] = [];
  for (const u of updates) {
    if (u.variant === 'reset') {
      out.push({ reset: u, patches: [], complete: false });
      continue;
    }
    const current = out.at(-1);
    if (current && !current.complete) current.patches.push(u);
    else out.push({ reset: undefined, patches: [u], complete: false });
    out.at(-1)!.complete = u.seqNo === u.seqSize;
  }
  return out;
}

/** The presence set after applying complete sequences in order (a RESET empties it). */
export function presenceAfter(sequences: readonly TableSequence[]): {
  length: number;
  present: Set<number>;
} {
  let length = 0;
  let present = new Set<number>();
  for (const s of sequences) {
    if (s.reset) {
      length = s.reset.length;
      present = new Set();
    }
    if (s.complete && s.patches.length > 0)
      present = applyEntries(present, sequenceEntries(s.patches));
  }
  return { length, present };
}

/** LimeWire's prefixes (§2.4): a word of five or more characters less its last one and two. */
export function limeWirePrefixes(word: string): string[] {
  return word.length >= 5 ? [word.slice(0, -1), word.slice(0, -2)] : [];
}
