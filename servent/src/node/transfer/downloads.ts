/**
 * Our downloads: started from a magnet (magnet.md §3) or a SHA-1 with
 * sources, fed by every search hit naming the same SHA-1 (MAG-6), resumed
 * from their state files at start, and offered to uploads while partial
 * (PFSP).
 */
import { readdir } from 'node:fs/promises';
import { sha1Urn } from '../../core/hash/index.js';
import { type Magnet, parseMagnet, safeFileName } from '../../core/transfer/magnet.js';
import type { UploadResource } from '../../core/transfer/upload.js';
import { base32Decode, base32Encode } from '../../core/wire/base32.js';
import {
  Download,
  type DownloadInput,
  type DownloadServices,
  type SourceInput,
} from './download.js';

export class MagnetError extends Error {
  override readonly name = 'MagnetError';
}

export interface DownloadsOptions extends DownloadServices {
  /** Sends the searches that find sources for a magnet (MAG-6): a URN query and a keyword query. */
  search(text: string, urns: string[]): void;
  /** Sources that hits of earlier searches gave for this content. */
  knownSources(sha1: Uint8Array): SourceInput[];
}

/** A download with no source left searches again this often (its first search may have gone nowhere)... */
const REQUERY_INTERVAL_MS = 120_000;
/** ... at most this many times, so a file nobody has costs the network little. */
const MAX_REQUERIES = 10;

interface Searching {
  words: string | undefined;
  lastAt: number;
  count: number;
}

export class Downloads {
  readonly #o: DownloadsOptions;
  /** By SHA-1 (base32): one download per content. */
  readonly #byKey = new Map<string, Download>();
  /** How each download searches for sources, by the same key. */
  readonly #searching = new Map<string, Searching>();
  readonly #requeryTimer: NodeJS.Timeout;

  constructor(options: DownloadsOptions) {
    this.#o = options;
    this.#requeryTimer = setInterval(() => this.#requery(), REQUERY_INTERVAL_MS / 4);
    this.#requeryTimer.unref();
  }

  /** Resumes every download whose state file is in the part folder. */
  async start(): Promise<void> {
    const names = await readdir(this.#o.partDir).catch(() => [] as string[]);
    for (const file of names) {
      const match = /^([A-Z2-7]{32})\.json$/.exec(file);
      const sha1 = match ? base32Decode(match[1]!) : undefined;
      if (!sha1?.ok) continue;
      // The name comes back from the state file; this one is only a placeholder until then.
      const download = await this.add({ sha1: sha1.value, name: `${match![1]}` }, []);
      // Its saved sources come first; searches follow if they are all gone.
      this.#searching.set(match![1]!, {
        words: searchWords(download.name),
        lastAt: Date.now(),
        count: 0,
      });
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.#requeryTimer);
    await Promise.all([...this.#byKey.values()].map((d) => d.stop()));
  }

  /** A download of `input` (or the one already running for that SHA-1) with more sources. */
  async add(input: DownloadInput, sources: SourceInput[]): Promise<Download> {
    const key = base32Encode(input.sha1);
    let download = this.#byKey.get(key);
    if (!download) {
      download = new Download(input, this.#o);
      this.#byKey.set(key, download);
      await download.start();
      for (const source of this.#o.knownSources(input.sha1)) download.addSource(source);
    }
    for (const source of sources) download.addSource(source);
    return download;
  }

  /** Starts what a magnet names (MAG-3..MAG-7): its sources now, search hits as they come. */
  async fromMagnet(uri: string): Promise<Download[]> {
    const parsed = parseMagnet(uri);
    if (!parsed.ok) throw new MagnetError(parsed.error.message);
    const started: Download[] = [];
    for (const magnet of parsed.value) {
      if (magnet.sha1 === undefined) {
        throw new MagnetError(
          'the magnet names no urn:sha1 (or bitprint) to verify a download against',
        );
      }
      const download = await this.add(
        {
          sha1: magnet.sha1,
          name: safeFileName(magnet.name ?? sha1Urn(magnet.sha1).slice(9)),
          ...(magnet.size !== undefined && { size: magnet.size }),
          ...(magnet.tigerRoot && { tigerRoot: magnet.tigerRoot }),
        },
        sourcesOf(magnet),
      );
      const words = magnet.keywords ?? magnet.name;
      const searching = { words: words && searchWords(words), lastAt: 0, count: 0 };
      this.#searching.set(base32Encode(magnet.sha1), searching);
      this.#search(download, searching);
      started.push(download);
    }
    return started;
  }

  /** MAG-6: a URN query, and a keyword query from the magnet's kt or dn. */
  #search(download: Download, searching: Searching): void {
    searching.lastAt = Date.now();
    searching.count++;
    this.#o.search('\\', [download.urn]);
    if (searching.words) this.#o.search(searching.words, []);
  }

  #requery(): void {
    const now = Date.now();
    for (const [key, searching] of this.#searching) {
      const download = this.#byKey.get(key);
      if (!download || download.state === 'complete') {
        this.#searching.delete(key);
        continue;
      }
      if (
        download.needsSources &&
        searching.count < MAX_REQUERIES &&
        now - searching.lastAt >= REQUERY_INTERVAL_MS
      ) {
        this.#search(download, searching);
      }
    }
  }

  /** A search hit: a source for the download of the same SHA-1, if any (MAG-6: only matching hits). */
  hit(sha1: Uint8Array, source: SourceInput): void {
    this.#byKey.get(base32Encode(sha1))?.addSource(source);
  }

  get(urn: string): Download | undefined {
    const key = urn.replace(/^urn:sha1:/i, '').toUpperCase();
    return this.#byKey.get(key);
  }

  list(): Download[] {
    return [...this.#byKey.values()];
  }

  async cancel(urn: string): Promise<boolean> {
    const download = this.get(urn);
    if (!download) return false;
    await download.cancel();
    this.#byKey.delete(base32Encode(download.sha1));
    this.#searching.delete(base32Encode(download.sha1));
    return true;
  }

  /** A download still under way with verified bytes to offer (PFSP, HTTP-20). */
  partial(sha1: Uint8Array): UploadResource | undefined {
    const download = this.#byKey.get(base32Encode(sha1));
    const available = download?.verified;
    if (!download || !available || download.size === undefined || download.state === 'complete')
      return undefined;
    if (available.total === 0) return undefined;
    return {
      name: download.name,
      size: download.size,
      sha1: download.sha1,
      available: available.clone(),
    };
  }
}

/** A magnet's http sources (xs and as, MAG-4) and servent ids to push to. */
function sourcesOf(magnet: Magnet): SourceInput[] {
  const sources: SourceInput[] = [];
  for (const url of magnet.sources) {
    const parsed = URL.canParse(url) ? new URL(url) : undefined;
    if (parsed?.protocol !== 'http:') continue;
    const port = parsed.port === '' ? 80 : Number(parsed.port);
    sources.push({ host: parsed.hostname, port, path: `${parsed.pathname}${parsed.search}` });
  }
  for (const serventId of magnet.serventIds) sources.push({ serventId, firewalled: true });
  return sources;
}

/** Keywords from a file name: `free_software-song.ogg` → `free software song ogg`. */
function searchWords(name: string): string {
  return name.replace(/[._\-+]+/g, ' ').trim();
}
