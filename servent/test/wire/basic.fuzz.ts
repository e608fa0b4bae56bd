import { FUZZ_RUNS } from '../fuzz-runs.js';
import { robustnessProperties } from './robustness-properties.js';

robustnessProperties(FUZZ_RUNS);
