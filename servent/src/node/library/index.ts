/** The share library: scanning, hashing in worker threads, the hash cache. */

export { HASH_CACHE_FILE } from './hash-cache.js';
export { type ShareSettings, type ShareSettingsInput, ShareSettingsSchema } from './settings.js';
export {
  type ShareCounters,
  ShareFolderError,
  ShareLibrary,
  type ShareLibraryOptions,
} from './share-library.js';
