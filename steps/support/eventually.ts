/** Re-checks a condition until it holds or time runs out; no fixed sleeps (harness/util/eventually.ts). */
export { absenceWindow, eventually } from '../../harness/util/eventually.js';
