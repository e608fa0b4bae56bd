import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  decodeBye,
  decodeHeader,
  decodePing,
  decodePong,
  guidFromHex,
  ipv4FromString,
  MessageFramer,
} from '../../src/core/wire/index.js';

/**
 * Robustness properties of the basic decoders, registered with a number of
 * runs: few in the unit run (robustness.test.ts), FUZZ_RUNS in `npm run fuzz`.
 */
const decoders = { decodeHeader, decodePing, decodePong, decodeBye };

export function robustnessProperties(runs: number): void {
  for (const [name, decode] of Object.entries(decoders)) {
    test(`robustness: ${name} never throws on arbitrary bytes`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
          const result = decode(bytes);
          if (!result.ok) assert.equal(typeof result.error.code, 'string');
        }),
        { numRuns: runs },
      );
    });
  }

  test('robustness: text parsers never throw on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (text) => {
        guidFromHex(text);
        ipv4FromString(text);
      }),
      { numRuns: runs },
    );
  });

  test('robustness: the framer never throws on arbitrary chunks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 20 }),
        fc.nat({ max: 300 }),
        (chunks, maxPayload) => {
          const framer = new MessageFramer({ maxPayload });
          for (const chunk of chunks) {
            for (const result of framer.write(chunk)) {
              if (result.ok) assert.equal(result.value.payload.length, result.value.header.length);
              else assert.equal(result.error.code, 'payload-too-large');
            }
          }
        },
      ),
      { numRuns: runs },
    );
  });
}
