/**
 * The index of the files this servent shares: lookups by file index (for
 * `/get/<index>/<name>`), by path and by SHA-1, keyword and URN matching of
 * incoming queries, "What's New?" answers, and the keywords of the QRP table.
 *
 * Keyword matching (MSG-27): a query word matches a file when it is a prefix
 * of one of the words of the file's name, and a file matches when every query
 * word does. Both reference servents match at the start of words, not anywhere
 * inside them: LimeWire looks each query token up with
 * `StringTrie.getPrefixedBy` over the file-name tokens
 * (`SharedFilesKeywordIndexImpl.search`), gtk-gnutella runs `pattern_qsearch`
 * with `qs_begin` ("matching at the *beginning* of words", `matching.c`
 * `entry_match`). Prefixes are also what the leaf's QRP table advertises
 * (qrp.md §2.4), so a query an ultrapeer routes here on a prefix finds its
 * file. Names and queries are canonicalised and split by the QRP module
 * (`queryKeywords`: case-insensitive, accents removed, split on every
 * non-letter, non-digit), so both sides split alike. Only the file name is
 * searched, not its folders, as gtk-gnutella does and as the QRP table holds.
 *
 * A query matches the files its criteria matches plus the files named by any
 * of its SHA-1 URNs (ggep-huge.md §7, LimeWire's `urnSearch`); a criteria of
 * `\` or empty has no words, so it is then matched by SHA-1 only (MSG-27,
 * HUGE-3). Criteria made only of one-letter words match nothing by keyword
 * (messages.md §9).
 *
 * Pure: no file system, no clock; the shell passes `addedAt`.
 */

import { UsageError } from '../errors.js';
import { sha1Urn } from '../hash/index.js';
import { fileKeywords, queryKeywords } from '../qrp/index.js';
import { base32Encode } from '../wire/base32.js';

/** A QueryHit carries at most this many records (MSG-28); callers split longer answers. */
export const MAX_RESULTS_PER_HIT = 10;

/** LimeWire answers "What's New?" with this many of its newest files (dynamic-querying.md §9). */
export const WHATS_NEW_RESULTS = 3;

const SHA1_LENGTH = 20;
const TIGER_ROOT_LENGTH = 24;

/** Control characters: a QueryHit name cannot carry CR, LF or NUL (messages.md §10). */
const CONTROL = /\p{Cc}/u;

export interface SharedFile {
  /** ≥ 1, stable for the session while the file stays at its path; never reused. */
  readonly index: number;
  /** The last segment of `relativePath`: what QueryHits and `/get/<index>/<name>` carry. */
  readonly name: string;
  /** Path inside the share, segments separated by `/`. */
  readonly relativePath: string;
  readonly size: number;
  readonly sha1: Uint8Array;
  readonly tigerRoot?: Uint8Array;
  /** One level of its Tiger tree, the one served over THEX (HTTP-22). */
  readonly tigerLevel?: TreeLevel;
  /** When the file was first shared with this content (ms since 1970). */
  readonly addedAt: number;
}

/** The nodes (24-byte digests, concatenated) of level `depth` of a Tiger tree. */
export interface TreeLevel {
  readonly depth: number;
  readonly nodes: Uint8Array;
}

/** What the shell knows of a file; the library chooses the index and derives the name. */
export type SharedFileInput = Omit<SharedFile, 'index' | 'name'>;

/** An incoming query, as matching needs it (see `searchQueryOf` for the wire form). */
export interface SearchQuery {
  criteria: string;
  /** SHA-1s of the query's `urn:sha1:` / `urn:bitprint:` / GGEP `H` extensions. */
  sha1s?: readonly Uint8Array[];
  /** A "What's New?" query: answered by `recent`, its criteria never matched. */
  whatsNew?: boolean;
}

function addTo<K>(map: Map<K, Set<number>>, key: K, index: number): void {
  const set = map.get(key);
  if (set) set.add(index);
  else map.set(key, new Set([index]));
}

function deleteFrom<K>(map: Map<K, Set<number>>, key: K, index: number): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(index);
  if (set.size === 0) map.delete(key);
}

/** Index of the first element of sorted `words` that is ≥ `word`. */
function lowerBound(words: readonly string[], word: string): number {
  let low = 0;
  let high = words.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (words[mid]! < word) low = mid + 1;
    else high = mid;
  }
  return low;
}

function checkInput(file: SharedFileInput): void {
  const { relativePath, size, sha1, tigerRoot, addedAt } = file;
  const segments = relativePath.split('/');
  if (
    relativePath === '' ||
    CONTROL.test(relativePath) ||
    segments.some((s) => s === '' || s === '.' || s === '..')
  ) {
    throw new UsageError(
      `a shared file's path is non-empty segments joined by "/", without control characters, "." or "..": ${JSON.stringify(relativePath)}`,
    );
  }
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new UsageError(`file size must be a non-negative safe integer, got ${size}`);
  }
  if (sha1.length !== SHA1_LENGTH) {
    throw new UsageError(`a SHA-1 has ${SHA1_LENGTH} bytes, got ${sha1.length}`);
  }
  if (tigerRoot !== undefined && tigerRoot.length !== TIGER_ROOT_LENGTH) {
    throw new UsageError(
      `a Tiger tree root has ${TIGER_ROOT_LENGTH} bytes, got ${tigerRoot.length}`,
    );
  }
  if (!Number.isFinite(addedAt)) throw new UsageError(`addedAt must be a time, got ${addedAt}`);
}

export class Library {
  readonly #byIndex = new Map<number, SharedFile>();
  readonly #byPath = new Map<string, SharedFile>();
  /** SHA-1 (base32) → indices: several paths may hold the same content. */
  readonly #bySha1 = new Map<string, Set<number>>();
  /** Canonical name word → indices. */
  readonly #byWord = new Map<string, Set<number>>();
  /** The keys of #byWord in order, for prefix lookups; rebuilt on the first query after a change. */
  #sortedWords: string[] | undefined;
  #nextIndex = 1;
  #revision = 0;
  #totalBytes = 0;

  /** Bumps on every add, replace and remove: a new value means a new QRP table may be due. */
  get revision(): number {
    return this.#revision;
  }

  get size(): number {
    return this.#byIndex.size;
  }

  get totalBytes(): number {
    return this.#totalBytes;
  }

  files(): IterableIterator<SharedFile> {
    return this.#byIndex.values();
  }

  byIndex(index: number): SharedFile | undefined {
    return this.#byIndex.get(index);
  }

  byPath(relativePath: string): SharedFile | undefined {
    return this.#byPath.get(relativePath);
  }

  bySha1(sha1: Uint8Array): SharedFile[] {
    return [...(this.#bySha1.get(base32Encode(sha1)) ?? [])].map((i) => this.#byIndex.get(i)!);
  }

  /** Shares a file at a path not yet shared, under a fresh index. */
  add(input: SharedFileInput): SharedFile {
    checkInput(input);
    if (this.#byPath.has(input.relativePath)) {
      throw new UsageError(`${input.relativePath} is already shared; use replace()`);
    }
    const file = this.#insert(input, this.#nextIndex++);
    this.#revision++;
    return file;
  }

  /** New content or metadata at a shared path; the file keeps its index. */
  replace(input: SharedFileInput): SharedFile {
    checkInput(input);
    const old = this.#byPath.get(input.relativePath);
    if (old === undefined) {
      throw new UsageError(`${input.relativePath} is not shared; use add()`);
    }
    this.#delete(old);
    const file = this.#insert(input, old.index);
    this.#revision++;
    return file;
  }

  /** Stops sharing the file at `relativePath`; its index is not given out again. */
  remove(relativePath: string): SharedFile | undefined {
    const file = this.#byPath.get(relativePath);
    if (file === undefined) return undefined;
    this.#delete(file);
    this.#revision++;
    return file;
  }

  /**
   * The files `query` matches, at most `limit` of them: SHA-1 matches first,
   * then keyword matches, each in index order. A "What's New?" query gets the
   * newest files instead (up to WHATS_NEW_RESULTS).
   */
  match(query: SearchQuery, limit: number): SharedFile[] {
    if (!Number.isSafeInteger(limit) || limit < 0) {
      throw new UsageError(`limit must be a non-negative integer, got ${limit}`);
    }
    // Nothing shared: no need to split the criteria into words (an ultrapeer's common case).
    if (this.#byIndex.size === 0 || limit === 0) return [];
    if (query.whatsNew) return this.recent(Math.min(limit, WHATS_NEW_RESULTS));
    const found = new Set<number>();
    for (const sha1 of query.sha1s ?? []) {
      for (const index of [...(this.#bySha1.get(base32Encode(sha1)) ?? [])].sort((a, b) => a - b)) {
        found.add(index);
      }
    }
    for (const index of this.#keywordMatches(query.criteria)) found.add(index);
    return [...found].slice(0, limit).map((i) => this.#byIndex.get(i)!);
  }

  /** Files added at or after `since`, newest first (ties: the later index first). */
  recent(limit: number, since = Number.NEGATIVE_INFINITY): SharedFile[] {
    return [...this.#byIndex.values()]
      .filter((f) => f.addedAt >= since)
      .sort((a, b) => b.addedAt - a.addedAt || b.index - a.index)
      .slice(0, limit);
  }

  /**
   * What the leaf's QRP table must hold (qrp.md §2.1, §2.6): every file
   * name's keywords with their prefixes, and each file's `urn:sha1:` so URN
   * queries are routable through LimeWire ultrapeers (§2.6 (e), §8.2).
   */
  qrpKeywords(): string[] {
    const keywords = new Set<string>();
    for (const file of this.#byIndex.values()) {
      for (const word of fileKeywords(file.name)) keywords.add(word);
      keywords.add(sha1Urn(file.sha1));
    }
    return [...keywords];
  }

  /** Indices (ascending) of files whose name has, for every query word, a word starting with it. */
  #keywordMatches(criteria: string): number[] {
    const words = queryKeywords(criteria);
    if (words.every((w) => [...w].length < 2)) return [];
    const sets = words.map((w) => this.#withPrefix(w));
    sets.sort((a, b) => a.size - b.size);
    const [smallest, ...rest] = sets;
    const matches: number[] = [];
    for (const index of smallest!) if (rest.every((s) => s.has(index))) matches.push(index);
    return matches.sort((a, b) => a - b);
  }

  #withPrefix(prefix: string): Set<number> {
    this.#sortedWords ??= [...this.#byWord.keys()].sort();
    const words = this.#sortedWords;
    const exact = this.#byWord.get(prefix);
    let union: Set<number> | undefined;
    for (let i = lowerBound(words, prefix); i < words.length && words[i]!.startsWith(prefix); i++) {
      if (words[i] === prefix) continue;
      union ??= new Set(exact);
      for (const index of this.#byWord.get(words[i]!)!) union.add(index);
    }
    return union ?? exact ?? new Set();
  }

  #insert(input: SharedFileInput, index: number): SharedFile {
    const name = input.relativePath.slice(input.relativePath.lastIndexOf('/') + 1);
    const file: SharedFile = {
      index,
      name,
      relativePath: input.relativePath,
      size: input.size,
      sha1: input.sha1.slice(),
      ...(input.tigerRoot && { tigerRoot: input.tigerRoot.slice() }),
      ...(input.tigerLevel && { tigerLevel: input.tigerLevel }),
      addedAt: input.addedAt,
    };
    this.#byIndex.set(index, file);
    this.#byPath.set(file.relativePath, file);
    addTo(this.#bySha1, base32Encode(file.sha1), index);
    for (const word of queryKeywords(name)) addTo(this.#byWord, word, index);
    this.#totalBytes += file.size;
    this.#sortedWords = undefined;
    return file;
  }

  #delete(file: SharedFile): void {
    this.#byIndex.delete(file.index);
    this.#byPath.delete(file.relativePath);
    deleteFrom(this.#bySha1, base32Encode(file.sha1), file.index);
    for (const word of queryKeywords(file.name)) deleteFrom(this.#byWord, word, file.index);
    this.#totalBytes -= file.size;
    this.#sortedWords = undefined;
  }
}
