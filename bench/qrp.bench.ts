/**
 * QRP: building a leaf table from 100 000 file names, encoding and decoding
 * (with applying) the patch of a full 64 Ki-slot table, and query matches
 * against it. Names come from a seeded generator, so runs compare.
 */

import { seeded } from '../harness/util/seeded.js';
import {
  buildTable,
  encodeRouteTableUpdate,
  prepareQuery,
  type QueryRouteTable,
  RouteTableReceiver,
  routeTableUpdates,
  type SharedFile,
} from '../servent/src/core/qrp/index.js';
import { runBench } from './lib.js';

const SYLLABLES =
  'ka lo mi ne ru sa to vi ze bra cho dri fen gul hop jin kel mor nux pla quo ris sten tru wex yal zor'.split(
    ' ',
  );
const EXTENSIONS = ['mp3', 'ogg', 'flac', 'avi', 'mkv', 'txt', 'pdf', 'jpg', 'zip', 'iso'];

/** A vocabulary of `size` made-up words (2–4 syllables) and names of 2–6 of them plus an extension. */
function generateNames(
  count: number,
  size: number,
  random: () => number,
): { names: SharedFile[]; vocabulary: string[] } {
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const vocabulary = Array.from({ length: size }, () =>
    Array.from({ length: 2 + Math.floor(random() * 3) }, () => pick(SYLLABLES)).join(''),
  );
  const separators = [' ', '_', ' - ', '.'];
  const names = Array.from({ length: count }, () => {
    const words = Array.from({ length: 2 + Math.floor(random() * 5) }, () => pick(vocabulary));
    const title = words
      .map((w) => (random() < 0.3 ? w[0]!.toUpperCase() + w.slice(1) : w))
      .join(pick(separators));
    return { name: `${title}.${pick(EXTENSIONS)}` };
  });
  return { names, vocabulary };
}

export async function main(): Promise<void> {
  const random = seeded(0x51ed);
  const { names, vocabulary } = generateNames(100_000, 20_000, random);
  const shape = { bits: 16, infinity: 7 };
  const table: QueryRouteTable = buildTable(names, shape);
  const updates = routeTableUpdates(undefined, table);
  const payloads = updates.map(encodeRouteTableUpdate);
  const patchBytes = payloads.reduce((n, p) => n + p.length, 0);
  console.log(
    `  table: ${table.presentCount()} of ${table.length} slots present (${((100 * table.presentCount()) / table.length).toFixed(1)} %); ` +
      `patch: ${payloads.length - 1} PATCH messages, ${patchBytes} payload bytes`,
  );

  // Half the queries take words from the vocabulary (hits), half are made-up words (mostly misses).
  const queries = Array.from({ length: 1000 }, (_, i) => {
    const count = 1 + Math.floor(random() * 3);
    const words = Array.from({ length: count }, () =>
      i % 2 === 0
        ? vocabulary[Math.floor(random() * vocabulary.length)]!
        : `zz${Math.floor(random() * 1e6)}`,
    );
    return { text: words.join(' ') };
  });
  const prepared = queries.map(prepareQuery);
  const hits = prepared.filter((q) => table.matches(q)).length;
  console.log(`  queries: ${hits} of ${prepared.length} match`);

  await runBench('QRP', [
    {
      name: 'build table: 100 000 names → 64 Ki slots',
      fn: () => buildTable(names, shape),
      items: names.length,
      unit: 'names',
    },
    {
      name: 'patch encode: 64 Ki slots, RESET + 4-bit zlib PATCHes',
      fn: () => routeTableUpdates(undefined, table).map(encodeRouteTableUpdate),
      unit: 'tables',
    },
    {
      name: 'patch decode + inflate + apply: 64 Ki slots',
      fn: () => {
        const receiver = new RouteTableReceiver();
        for (const payload of payloads) receiver.handlePayload(payload);
        return receiver.table;
      },
      unit: 'tables',
    },
    {
      name: 'query match (prepared)',
      fn: () => {
        let n = 0;
        for (const query of prepared) if (table.matches(query)) n++;
        return n;
      },
      items: prepared.length,
      unit: 'queries',
    },
    {
      name: 'query keywords + hash + match',
      fn: () => {
        let n = 0;
        for (const query of queries) if (table.matches(prepareQuery(query))) n++;
        return n;
      },
      items: queries.length,
      unit: 'queries',
    },
  ]);
}
