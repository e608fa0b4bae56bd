/** fast-check generators of tables for the QRP properties. */
import fc from 'fast-check';
import { QueryRouteTable } from '../../src/core/qrp/index.js';

/** A table of 2^bits slots, infinity in `infinities`, values anywhere in 0…infinity. */
export const arbitraryTable = (
  bits: fc.Arbitrary<number>,
  infinities = fc.integer({ min: 1, max: 15 }),
) =>
  fc
    .tuple(bits, infinities)
    .chain(([b, infinity]) =>
      fc
        .uint8Array({ minLength: 2 ** b, maxLength: 2 ** b, max: infinity })
        .map((values) => new QueryRouteTable({ bits: b, infinity }, values)),
    );

/** Present slots at `presentValue`, absent at infinity: the only tables 1-bit patches can express. */
export const presenceTable = (bits: number, infinity: number) =>
  fc.array(fc.boolean(), { minLength: 2 ** bits, maxLength: 2 ** bits }).map((present) => {
    const table = new QueryRouteTable({ bits, infinity });
    present.forEach((p, slot) => {
      if (p) table.values[slot] = table.presentValue;
    });
    return table;
  });

/** A pair of tables of one shape whose values all lie in 0…infinity. */
export const tablePair = (bits: number, infinity: number) =>
  fc
    .tuple(
      fc.uint8Array({ minLength: 2 ** bits, maxLength: 2 ** bits, max: infinity }),
      fc.uint8Array({ minLength: 2 ** bits, maxLength: 2 ** bits, max: infinity }),
      fc.double({ min: 0, max: 1, noNaN: true }),
    )
    .map(([a, b, keep]) => {
      // Keep a share of slots equal so that diffs range from empty to total.
      const mixed = b.map((value, slot) => (slot / b.length < keep ? a[slot]! : value));
      return [
        new QueryRouteTable({ bits, infinity }, a),
        new QueryRouteTable({ bits, infinity }, mixed),
      ] as const;
    });
