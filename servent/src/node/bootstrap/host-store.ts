/**
 * The host cache on disk: `<data>/hosts.json`, so the next session starts from
 * the hosts this one knew (BOOT-1). What is in the file is the core's business
 * (`HostCache.toJSON` / `load`); this only reads and writes it.
 *
 * Writes are atomic (temporary file, fsync, rename): a crash leaves the old
 * file or the new one, never half of one. A corrupt file is set aside, not
 * deleted, so it can be looked at, and the servent starts as if it had none.
 */
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from '../log.js';

export const HOSTS_FILE = 'hosts.json';

/** The path of the host file in state folder `dataDir`. */
export const hostsFilePath = (dataDir: string): string => join(dataDir, HOSTS_FILE);

export interface HostStoreOptions {
  /** A change is written at most this long after it was saved; changes meanwhile share the write. */
  debounceMs: number;
}

export const DEFAULT_HOST_STORE_OPTIONS: HostStoreOptions = { debounceMs: 2_000 };

/** A host file bigger than this is not ours (1000 hosts take about 100 KB): set aside unread. */
const MAX_FILE_BYTES = 8 * 1024 * 1024;

export class HostStore {
  readonly #path: string;
  readonly #log: Logger;
  readonly #options: HostStoreOptions;
  /** The latest value saved and not yet written; boxed so `undefined` can be saved too. */
  #pending: { value: unknown } | undefined;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;

  constructor(path: string, log: Logger, options: Partial<HostStoreOptions> = {}) {
    this.#path = path;
    this.#log = log;
    this.#options = { ...DEFAULT_HOST_STORE_OPTIONS, ...options };
  }

  get path(): string {
    return this.#path;
  }

  /**
   * The parsed file, for `HostCache.load`; undefined when there is none or it
   * was unreadable or corrupt (then it is renamed `hosts.json.corrupt-<ms>`).
   */
  async load(): Promise<unknown> {
    let text: string;
    try {
      const { size } = await stat(this.#path);
      if (size > MAX_FILE_BYTES) {
        await this.#setAside(`larger than ${MAX_FILE_BYTES} bytes`);
        return undefined;
      }
      text = await readFile(this.#path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.#log.warn(
          { err: error, file: this.#path },
          'host file unreadable; starting without it',
        );
      }
      return undefined;
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      await this.#setAside((error as Error).message);
      return undefined;
    }
  }

  /**
   * Writes `value` soon. It is serialised when written, not now, so passing
   * the `HostCache` itself writes its state of that moment. The write happens
   * `debounceMs` after the first unsaved change rather than after the last, so
   * a cache that changes all the time is still written.
   */
  save(value: unknown): void {
    this.#pending = { value };
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#drain();
    }, this.#options.debounceMs);
    this.#timer.unref();
  }

  /** Writes what is pending now and waits for every write (on stop). */
  async flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#pending || this.#inFlight) await this.#drain();
    // A save that came in while flushing was written by the loop; its timer has nothing left to do.
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Writes the pending value once the write in flight, if any, is done: one write at a time. */
  async #drain(): Promise<void> {
    while (this.#inFlight) await this.#inFlight;
    const pending = this.#pending;
    if (!pending) return;
    this.#pending = undefined;
    this.#inFlight = this.#write(pending.value)
      .catch((error: unknown) => {
        this.#log.warn({ err: error, file: this.#path }, 'host file not written');
      })
      .finally(() => {
        this.#inFlight = undefined;
      });
    await this.#inFlight;
  }

  async #write(value: unknown): Promise<void> {
    const text = JSON.stringify(value) ?? 'null';
    const temporary = `${this.#path}.${process.pid}.tmp`;
    try {
      await mkdir(dirname(this.#path), { recursive: true });
      const handle = await open(temporary, 'w');
      try {
        await handle.writeFile(text);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, this.#path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  async #setAside(why: string): Promise<void> {
    const aside = `${this.#path}.corrupt-${Date.now()}`;
    try {
      await rename(this.#path, aside);
      this.#log.warn({ file: this.#path, aside, why }, 'host file corrupt; set aside');
    } catch (error) {
      this.#log.warn({ file: this.#path, why, err: error }, 'host file corrupt and not set aside');
    }
  }
}
