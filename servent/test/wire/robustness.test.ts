import { UNIT_RUNS } from '../fuzz-runs.js';
import { robustnessProperties } from './robustness-properties.js';

robustnessProperties(UNIT_RUNS);
