/** `npm run fuzz`: the transfer decoders of peer input return a Result and never throw. */
import { test } from 'node:test';
import fc from 'fast-check';
import { FUZZ_RUNS } from '../fuzz-runs.js';
import { decodeThexProperty, parseMagnetProperty } from './properties.js';

test('HTTP-33 decodeThex never throws on random bytes or mutated bodies', () => {
  fc.assert(decodeThexProperty(), { numRuns: FUZZ_RUNS });
});

test('MAG-1 parseMagnet never throws', () => {
  fc.assert(parseMagnetProperty(), { numRuns: FUZZ_RUNS });
});
