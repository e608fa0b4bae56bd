/**
 * Properties shared by the unit tests (few runs) and `npm run fuzz` (many):
 * decoders of peer input return a Result and never throw.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ProtocolError } from '../../src/core/errors.js';
import { tigerTree } from '../../src/core/hash/index.js';
import { decodeThex, encodeThex, parseMagnet } from '../../src/core/transfer/index.js';
import { pattern } from '../hash/support.js';

/** A THEX body for a `fileSize`-byte file at `depth`, and what a downloader expects of it. */
export function validThexBody(fileSize: number, depth: number) {
  const tree = tigerTree(pattern(fileSize, fileSize + 3));
  return {
    body: encodeThex(tree, depth, 'uuid:6f1c2b6e-3a4d-4c2b-9a1e-2b3c4d5e6f70'),
    fileSize,
    root: tree.root,
  };
}

const VALID = [validThexBody(3072, 2), validThexBody(5000, 1), validThexBody(0, 0)];

function assertResult(result: { ok: boolean; error?: unknown }, prefix: string): void {
  if (!result.ok) {
    assert.ok(result.error instanceof ProtocolError);
    assert.ok(result.error.code.startsWith(prefix), result.error.code);
  }
}

const mutation = fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }));

/** decodeThex on random bytes, and on valid bodies with bytes changed, cut or extended. */
export const decodeThexProperty = () =>
  fc.property(
    fc.oneof(
      fc.uint8Array({ maxLength: 600 }).map((body) => ({ ...VALID[0]!, mutated: body })),
      fc
        .tuple(
          fc.constantFrom(...VALID),
          fc.array(mutation, { minLength: 1, maxLength: 4 }),
          fc.integer({ min: -40, max: 8 }),
        )
        .map(([valid, changes, cut]) => {
          const mutated = new Uint8Array(Math.max(0, valid.body.length + cut));
          mutated.set(valid.body.subarray(0, mutated.length));
          for (const [at, value] of changes)
            if (mutated.length) mutated[at % mutated.length] = value;
          return { ...valid, mutated };
        }),
    ),
    ({ mutated, fileSize, root }) => {
      assertResult(decodeThex(mutated, { fileSize, root }), 'thex-');
    },
  );

/** parseMagnet on any text, and on text after a valid scheme. */
export const parseMagnetProperty = () =>
  fc.property(
    fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.string({ maxLength: 300 }).map((rest) => `magnet:?${rest}`),
      fc
        .array(
          fc.tuple(
            fc.constantFrom('xt', 'xs', 'as', 'dn', 'kt', 'xl', 'x.guid', 'xt.1', 'dn.2', 'XT.07'),
            fc.string({ unit: 'binary', maxLength: 60 }),
          ),
          { maxLength: 12 },
        )
        .map((pairs) => `magnet:?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`),
    ),
    (uri) => {
      const result = parseMagnet(uri);
      assertResult(result, 'magnet-');
      if (result.ok) {
        for (const magnet of result.value) {
          if (magnet.name !== undefined) assert.ok(!/[/\\\0]/.test(magnet.name));
        }
      }
    },
  );
