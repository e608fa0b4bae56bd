/**
 * How many cases a property runs. Unit tests (`*.test.ts`) keep it small so the
 * timed test run stays quick; `npm run fuzz` runs the `*.fuzz.ts` properties with
 * FUZZ_RUNS=100000 (at least that many cases per decoder).
 */
export const UNIT_RUNS = 200;
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 100_000);
