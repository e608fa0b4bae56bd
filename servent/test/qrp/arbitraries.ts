/** fast-check generators of tables for the QRP properties. */
import fc from 'fast-check';
import { QueryRouteTable } from '../../src/core/qrp/index.js';

/** A table of the given shape with the slots `present[slot]` says. */
function tableOf(bits: number, infinity: number, present: readonly boolean[]): QueryRouteTable {
  const table = new QueryRouteTable({ bits, infinity });
  present.forEach((p, slot) => {
    if (p) table.setPresent(slot, true);
  });
  return table;
}

const presence = (bits: number) =>
  fc.array(fc.boolean(), { minLength: 2 ** bits, maxLength: 2 ** bits });

/** A table of 2^bits slots, infinity in `infinities`, any slots present. */
export const arbitraryTable = (
  bits: fc.Arbitrary<number>,
  infinities = fc.integer({ min: 1, max: 15 }),
) =>
  fc
    .tuple(bits, infinities)
    .chain(([b, infinity]) => presence(b).map((present) => tableOf(b, infinity, present)));

/** A pair of tables of one shape, agreeing on a random share of their slots. */
export const tablePair = (bits: number, infinity: number) =>
  fc
    .tuple(presence(bits), presence(bits), fc.double({ min: 0, max: 1, noNaN: true }))
    .map(([a, b, keep]) => {
      // Keep a share of slots equal so that diffs range from empty to total.
      const mixed = b.map((p, slot) => (slot / b.length < keep ? a[slot]! : p));
      return [tableOf(bits, infinity, a), tableOf(bits, infinity, mixed)] as const;
    });
