/**
 * The node side of the library: keeps the pure `Library` in step with a share
 * folder on disk.
 *
 * A cycle scans the folder (scan.ts), removes what is gone, takes unchanged
 * files from the hash cache (hash-cache.ts), hashes new and changed files in
 * worker threads (hash-pool.ts) and applies the results in batches; each
 * batch that changed the library emits `changed` with the new revision and
 * rewrites the cache. Cycles never overlap: the next one starts
 * `rescanIntervalMs` after the last ended, or `rescanSettleMs` after an
 * fs.watch event. A file that cannot be read is logged and left out until its
 * size or modification time changes; nothing here throws after `start()`.
 */
import { EventEmitter } from 'node:events';
import { type FSWatcher, watch } from 'node:fs';
import { mkdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { Library } from '../../core/search/index.js';
import type { Logger } from '../log.js';
import { type CacheEntry, loadHashCache, saveHashCache } from './hash-cache.js';
import { type FileHashes, type HashError, HashPool } from './hash-pool.js';
import { isInside, type ScannedFile, scanShare } from './scan.js';
import { type ShareSettings, type ShareSettingsInput, ShareSettingsSchema } from './settings.js';

/** Hashed files are applied (and announced) at least this often during a long hashing run. */
const HASH_BATCH_FILES = 32;

export interface ShareLibraryOptions extends ShareSettingsInput {
  /** The folder shared, walked recursively. */
  shareDir: string;
  /** Where the hash cache lives; created if missing. */
  stateDir: string;
  log: Logger;
  /** The clock for `addedAt` (what's new); Date.now by default. */
  now?: () => number;
}

/** For the control API. */
export interface ShareCounters {
  /** Files shared and their total size. */
  files: number;
  bytes: number;
  /** Files hashed this session, and their bytes. */
  hashed: number;
  hashedBytes: number;
  /** Files taken from the hash cache instead of being hashed. */
  cacheHits: number;
  /** Files waiting for a hash worker. */
  pending: number;
  /** Files left out because they could not be read. */
  failed: number;
  /** Scans completed. */
  scans: number;
}

/** The share folder cannot be used at all (missing, not a folder, unreadable). */
export class ShareFolderError extends Error {
  override readonly name = 'ShareFolderError';
}

type ShareEvents = {
  /** The library changed; the QRP table over `library.qrpKeywords()` may be rebuilt. */
  changed: [revision: number];
};

const stamp = (file: { size: number; mtimeMs: number }) => `${file.size}:${file.mtimeMs}`;

export class ShareLibrary extends EventEmitter<ShareEvents> {
  readonly library = new Library();
  /** Resolves once the first scan and its hashing are done (or on stop). */
  readonly ready: Promise<void>;
  readonly #resolveReady: () => void;
  readonly #shareDir: string;
  readonly #stateDir: string;
  readonly #settings: ShareSettings;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #pool: HashPool;
  /** Hashes of the shared files by relative path: what the cache file holds. */
  #known = new Map<string, CacheEntry>();
  /** Files that could not be hashed, with the size:mtime that failed. */
  readonly #failed = new Map<string, string>();
  readonly #watchers = new Map<string, FSWatcher>();
  #root: string | undefined;
  #running: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #due = 0;
  #rescanWanted = false;
  #watchFailed = false;
  #announced = 0;
  #saving: Promise<void> | undefined;
  #saveWanted = false;
  #stopping = false;
  #hashed = 0;
  #hashedBytes = 0;
  #cacheHits = 0;
  #scans = 0;

  constructor(options: ShareLibraryOptions) {
    super();
    const { shareDir, stateDir, log, now, ...settings } = options;
    this.#shareDir = shareDir;
    this.#stateDir = stateDir;
    this.#settings = ShareSettingsSchema.parse(settings);
    this.#log = log.child({ component: 'share' });
    this.#now = now ?? Date.now;
    this.#pool = new HashPool(this.#settings.hashWorkers);
    let resolveReady!: () => void;
    this.ready = new Promise((resolve) => {
      resolveReady = resolve;
    });
    this.#resolveReady = resolveReady;
  }

  /** Opens the share folder and the cache, and begins the first scan (see `ready`). */
  async start(): Promise<void> {
    if (this.#root !== undefined) throw new Error('ShareLibrary.start() was already called');
    let root: string;
    try {
      root = await realpath(this.#shareDir);
    } catch (error) {
      throw new ShareFolderError(
        `share folder ${this.#shareDir} cannot be opened (${(error as Error).message}); create it or point the share setting at an existing folder`,
      );
    }
    this.#root = root;
    await mkdir(this.#stateDir, { recursive: true });
    if (isInside(root, await realpath(this.#stateDir))) {
      this.#log.warn(
        { share: root, state: this.#stateDir },
        'the state folder is inside the share folder, so the hash cache is shared too',
      );
    }
    this.#known = await loadHashCache(this.#stateDir, root, this.#log);
    this.#log.info({ share: root, cached: this.#known.size }, 'share library started');
    this.#cycle();
  }

  /** Stops scanning and watching, terminates the hash workers, and waits for the cache write. */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    clearTimeout(this.#timer);
    this.#closeWatchers();
    await this.#pool.close();
    await this.#running;
    await this.#saving;
    this.#resolveReady();
  }

  counters(): ShareCounters {
    return {
      files: this.library.size,
      bytes: this.library.totalBytes,
      hashed: this.#hashed,
      hashedBytes: this.#hashedBytes,
      cacheHits: this.#cacheHits,
      pending: this.#pool.queued,
      failed: this.#failed.size,
      scans: this.#scans,
    };
  }

  /**
   * The real path to serve for file `index`, checked now: undefined when the
   * file is gone or no longer resolves inside the share. Open it with
   * O_NOFOLLOW, so a link swapped in after this check is refused.
   */
  async localPath(index: number): Promise<string | undefined> {
    const file = this.library.byIndex(index);
    const root = this.#root;
    if (file === undefined || root === undefined) return undefined;
    try {
      const path = await realpath(join(root, ...file.relativePath.split('/')));
      return isInside(root, path) ? path : undefined;
    } catch {
      return undefined;
    }
  }

  #cycle(): void {
    this.#running = this.#scanAndHash()
      .catch((error: unknown) => {
        this.#log.warn({ err: error }, 'share scan failed; trying again at the next rescan');
      })
      .finally(() => {
        this.#running = undefined;
        this.#resolveReady();
        const wanted = this.#rescanWanted;
        this.#rescanWanted = false;
        this.#schedule(wanted ? this.#settings.rescanSettleMs : this.#settings.rescanIntervalMs);
      });
  }

  /** Runs the next cycle in `delayMs`, unless one is due sooner already. */
  #schedule(delayMs: number): void {
    if (this.#stopping) return;
    const due = Date.now() + delayMs;
    if (this.#timer !== undefined && this.#due <= due) return;
    clearTimeout(this.#timer);
    this.#due = due;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#cycle();
    }, delayMs);
  }

  /** An fs.watch event: something under the share may have changed. */
  #hint(): void {
    if (this.#running) this.#rescanWanted = true;
    else this.#schedule(this.#settings.rescanSettleMs);
  }

  async #scanAndHash(): Promise<void> {
    const root = this.#root!;
    const scan = await scanShare(root, (path, reason) =>
      this.#log.debug({ path, reason }, 'not shared'),
    );
    if (this.#stopping) return;
    this.#scans++;
    this.#watch(scan.folders);

    for (const file of [...this.library.files()]) {
      if (!scan.files.has(file.relativePath)) this.library.remove(file.relativePath);
    }
    for (const path of [...this.#known.keys()]) if (!scan.files.has(path)) this.#known.delete(path);
    for (const path of [...this.#failed.keys()])
      if (!scan.files.has(path)) this.#failed.delete(path);

    const toHash: ScannedFile[] = [];
    for (const file of scan.files.values()) {
      const known = this.#known.get(file.relativePath);
      if (known !== undefined && stamp(known) === stamp(file)) {
        if (this.library.byPath(file.relativePath) === undefined) {
          this.#share(file.relativePath, known);
          this.#cacheHits++;
        }
      } else if (this.#failed.get(file.relativePath) !== stamp(file)) {
        toHash.push(file);
      }
    }
    this.#announce();
    await this.#hashAll(toHash);
  }

  async #hashAll(files: readonly ScannedFile[]): Promise<void> {
    let batch: [ScannedFile, FileHashes][] = [];
    const apply = () => {
      for (const [file, hashes] of batch) {
        // New content is new for "what's new"; the same content keeps its date.
        const known = this.#known.get(file.relativePath);
        this.#share(file.relativePath, {
          size: hashes.size,
          mtimeMs: hashes.mtimeMs,
          sha1: hashes.sha1,
          tigerRoot: hashes.tigerRoot,
          tigerLevel: { depth: hashes.tigerDepth, nodes: hashes.tigerLevel },
          addedAt:
            known !== undefined && equalBytes(known.sha1, hashes.sha1)
              ? known.addedAt
              : this.#now(),
        });
      }
      batch = [];
      this.#announce();
    };
    let workerFailure: string | undefined;
    await Promise.all(
      files.map(async (file) => {
        let hashes: FileHashes;
        try {
          hashes = await this.#pool.hash(file.path);
        } catch (error) {
          if (this.#stopping) return;
          const { code, message } = error as HashError;
          if (code === undefined) {
            // The worker, not the file: try again at the next scan.
            workerFailure = message;
            return;
          }
          this.#log.warn(
            { path: file.path, code, reason: message },
            'cannot hash file; not shared',
          );
          this.#failed.set(file.relativePath, stamp(file));
          this.library.remove(file.relativePath);
          this.#known.delete(file.relativePath);
          return;
        }
        if (this.#stopping) return;
        this.#hashed++;
        this.#hashedBytes += hashes.size;
        this.#failed.delete(file.relativePath);
        // Still being written: the watch event or the next rescan brings it back once it settles.
        if (hashes.changed || stamp(hashes) !== stamp(file)) return;
        batch.push([file, hashes]);
        if (batch.length >= HASH_BATCH_FILES) apply();
      }),
    );
    if (this.#stopping) return;
    apply();
    if (workerFailure !== undefined) {
      this.#log.error({ reason: workerFailure }, 'hashing failed; trying again at the next rescan');
    }
  }

  #share(relativePath: string, entry: CacheEntry): void {
    this.#known.set(relativePath, entry);
    const file = { relativePath, ...entry };
    if (this.library.byPath(relativePath)) this.library.replace(file);
    else this.library.add(file);
  }

  /** After a batch: if the library changed, save the cache and tell the servent. */
  #announce(): void {
    const revision = this.library.revision;
    if (revision === this.#announced || this.#stopping) return;
    this.#announced = revision;
    this.#saveCache();
    this.emit('changed', revision);
  }

  /** Writes the cache, one write at a time; changes during a write cause one more. */
  #saveCache(): void {
    this.#saveWanted = true;
    this.#saving ??= (async () => {
      while (this.#saveWanted) {
        this.#saveWanted = false;
        try {
          await saveHashCache(this.#stateDir, this.#root!, this.#known);
        } catch (error) {
          this.#log.warn({ err: error }, 'cannot write the hash cache');
        }
      }
      this.#saving = undefined;
    })();
  }

  /** Watches exactly the folders the last scan walked; gives up for good where watching fails. */
  #watch(folders: readonly string[]): void {
    if (!this.#settings.watchShare || this.#watchFailed) return;
    const wanted = new Set(folders);
    for (const [path, watcher] of this.#watchers) {
      if (!wanted.has(path)) {
        watcher.close();
        this.#watchers.delete(path);
      }
    }
    for (const path of wanted) {
      if (this.#watchers.has(path)) continue;
      try {
        const watcher = watch(path, { persistent: false }, (_event, name) => {
          if (!name?.startsWith('.')) this.#hint();
        });
        watcher.on('error', () => {
          watcher.close();
          this.#watchers.delete(path);
          this.#hint();
        });
        this.#watchers.set(path, watcher);
      } catch (error) {
        // Out of inotify watches (ENOSPC), descriptors, or no fs.watch here: rescans still see all.
        this.#log.warn({ err: error }, 'fs.watch unavailable; relying on periodic rescans');
        this.#watchFailed = true;
        this.#closeWatchers();
        return;
      }
    }
  }

  #closeWatchers(): void {
    for (const watcher of this.#watchers.values()) watcher.close();
    this.#watchers.clear();
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
