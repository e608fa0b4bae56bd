/**
 * A QueryHit payload read byte by byte from messages.md §10, without the
 * core codec: the independent reading a step compares the codec's with, so a
 * bug shared by our encoder and decoder cannot pass unseen.
 */

export interface HandReadRecord {
  index: number;
  size: number;
  name: string;
  /** The record's extension bytes (between the name's NUL and the record's final NUL). */
  extensions: Buffer;
  /** The HUGE strings among the extensions (0x1C-separated blocks starting `urn:`). */
  urns: string[];
}

export interface HandReadHit {
  count: number;
  port: number;
  address: string;
  speed: number;
  records: HandReadRecord[];
  /** Everything between the last record and the servent id (the EQHD and private area). */
  trailer: Buffer;
  vendor: string | undefined;
  openData: Buffer | undefined;
  serventId: Buffer;
}

const FIXED = 11;
const SERVENT_ID = 16;

/** Throws with the byte offset where the payload stops making sense. */
export function readHitByHand(payload: Uint8Array): HandReadHit {
  const p = Buffer.from(payload);
  if (p.length < FIXED + SERVENT_ID) throw new Error(`hit of ${p.length} bytes: shorter than 27`);
  const end = p.length - SERVENT_ID;
  const count = p[0]!;
  const records: HandReadRecord[] = [];
  let at = FIXED;
  for (let i = 0; i < count; i++) {
    if (at + 8 > end) throw new Error(`record ${i + 1}: fixed part runs past byte ${end}`);
    const nameEnd = p.indexOf(0, at + 8);
    if (nameEnd < 0 || nameEnd >= end)
      throw new Error(`record ${i + 1}: name has no NUL before the servent id (offset ${at + 8})`);
    const extEnd = p.indexOf(0, nameEnd + 1);
    if (extEnd < 0 || extEnd >= end)
      throw new Error(`record ${i + 1}: extension block has no NUL before the servent id`);
    const extensions = p.subarray(nameEnd + 1, extEnd);
    const urns = splitFs(extensions)
      .map((b) => b.toString('latin1'))
      .filter((s) => s.toLowerCase().startsWith('urn:'));
    records.push({
      index: p.readUInt32LE(at),
      size: p.readUInt32LE(at + 4),
      name: p.subarray(at + 8, nameEnd).toString('utf8'),
      extensions,
      urns,
    });
    at = extEnd + 1;
  }
  const trailer = p.subarray(at, end);
  let vendor: string | undefined;
  let openData: Buffer | undefined;
  if (trailer.length >= 5) {
    vendor = trailer.subarray(0, 4).toString('latin1');
    const k = trailer[4]!;
    if (5 + k <= trailer.length) openData = trailer.subarray(5, 5 + k);
  }
  return {
    count,
    port: p.readUInt16LE(1),
    address: [p[3], p[4], p[5], p[6]].join('.'),
    speed: p.readUInt32LE(7),
    records,
    trailer,
    vendor,
    openData,
    serventId: p.subarray(end),
  };
}

/** Blocks of an extension area split on 0x1C; a GGEP block (0xC3) ends the walk, as GGEP comes last. */
function splitFs(area: Buffer): Buffer[] {
  const blocks: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= area.length; i++) {
    if (i < area.length && area[i] === 0xc3 && i === start) break;
    if (i === area.length || area[i] === 0x1c) {
      if (i > start) blocks.push(area.subarray(start, i));
      start = i + 1;
    }
  }
  return blocks;
}

/** The enable/value rule of MSG-29 read from the two flag bytes; reserved bits must be 0. */
export function eqhdByHand(open: Buffer): {
  push: boolean | undefined;
  ggep: boolean | undefined;
  reservedBitsSet: number;
} {
  const [b1, b2] = [open[0] ?? 0, open[1] ?? 0];
  return {
    push: (b2 & 0x01) !== 0 ? (b1 & 0x01) !== 0 : undefined,
    ggep: (b1 & 0x20) !== 0 ? (b2 & 0x20) !== 0 : undefined,
    reservedBitsSet: (b1 | b2) & 0xc2,
  };
}
