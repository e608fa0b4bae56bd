/** Local search: the library of shared files, query matching, "What's New?". */

export { sanitizeCriteria, searchQueryOf, WHATS_NEW_CRITERIA } from './criteria.js';
export {
  Library,
  MAX_RESULTS_PER_HIT,
  type SearchQuery,
  type SharedFile,
  type SharedFileInput,
  WHATS_NEW_RESULTS,
} from './library.js';
