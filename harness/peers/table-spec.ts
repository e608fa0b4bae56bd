/**
 * Tables a fixture peer sends, described the way a scenario reads:
 * "2^17 slots, infinity 2, 8-bit, uncompressed, 4096-byte chunks". Unnamed
 * parts take the LimeWire-like defaults (2^16 slots, infinity 7, entry width
 * chosen by the core, zlib, 1024-byte chunks).
 */
import {
  buildTable,
  type EntryBits,
  type PatchOptions,
  type QueryRouteTable,
  type TableShape,
} from '../../servent/src/core/qrp/index.js';
import type { ShareFile } from '../shares/share-set.js';

export interface TableSpec {
  shape: TableShape;
  patch: PatchOptions;
}

export const DEFAULT_TABLE_SPEC: TableSpec = {
  shape: { bits: 16, infinity: 7 },
  patch: { compression: 'zlib', chunkBytes: 1024 },
};

/** One rule per part of a description: its pattern and what it sets. */
const PARTS: Array<[RegExp, (spec: TableSpec, m: RegExpMatchArray) => void]> = [
  [/^2\^(\d+) slots$/, (s, m) => (s.shape.bits = Number(m[1]))],
  [/^infinity (\d+)$/, (s, m) => (s.shape.infinity = Number(m[1]))],
  [/^([148])-bit$/, (s, m) => (s.patch.entryBits = Number(m[1]) as EntryBits)],
  [/^zlib$/, (s) => (s.patch.compression = 'zlib')],
  [/^uncompressed$/, (s) => (s.patch.compression = 'none')],
  [/^(\d+)-byte chunks$/, (s, m) => (s.patch.chunkBytes = Number(m[1]))],
];

export function parseTableSpec(text: string | undefined): TableSpec {
  const spec: TableSpec = {
    shape: { ...DEFAULT_TABLE_SPEC.shape },
    patch: { ...DEFAULT_TABLE_SPEC.patch },
  };
  if (text === undefined || text.trim() === '' || text.trim() === 'default') return spec;
  for (const raw of text.split(',')) {
    const part = raw.trim();
    const rule = PARTS.map(([re, set]) => [part.match(re), set] as const).find(([m]) => m);
    if (!rule)
      throw new Error(
        `table description "${text}": cannot read "${part}" (try "2^16 slots, infinity 7, 4-bit, zlib, 1024-byte chunks")`,
      );
    rule[1](spec, rule[0]!);
  }
  return spec;
}

/** A table over the files' names and SHA-1 URNs, as a leaf would build it (qrp.md §2.6). */
export function tableFor(files: readonly ShareFile[], spec: TableSpec): QueryRouteTable {
  return buildTable(
    files.map((f) => ({ name: f.name, urns: [f.urn] })),
    spec.shape,
  );
}
