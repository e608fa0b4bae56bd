/**
 * Keywords for query routing (qrp.md §2), following the spec's "recommended
 * profile for our servent" (§2.6): a leaf puts the union of what LimeWire and
 * gtk-gnutella ultrapeers may ask for into its table; an ultrapeer splits a
 * query the way gtk-gnutella does. Extra keywords in a leaf table only cost a
 * few false positives; a missing one hides a file.
 */

/** LimeWire's `QueryUtils.DELIMITERS`: space - . _ + / * ( ) \ , (§2.3). */
const LW_DELIMITERS = /[ \-._+/*()\\,]+/;

/** LimeWire adds two prefixes to words longer than this many UTF-16 units (§2.4). */
const LW_PREFIX_MIN_LENGTH = 5;
/** gtk-gnutella keeps a truncated word only while it is longer than this many UTF-8 bytes (§2.4). */
const GTKG_PREFIX_MIN_BYTES = 4;
/** gtk-gnutella cuts at most this many trailing characters (§2.4). */
const GTKG_PREFIX_MAX_CUTS = 5;

/**
 * Generic combining marks (Script=Inherited: accents, Arabic harakat) are
 * dropped; script-specific ones (viramas, nuktas, Thai and Tibetan signs) and
 * the Japanese voiced sound marks are kept, as gtk-gnutella does (§2.2).
 */
const DROPPED_MARKS = /(?![\u3099\u309a])(?=\p{Mn})\p{Script=Inherited}/gu;

/** Runs of letters, digits and surviving marks; everything else separates words (§2.3). */
const WORD = /[\p{L}\p{N}\p{M}]+/gu;

const ASCII_ONLY = /^[^\u0080-\uffff]*$/;
const ASCII_WORD = /[A-Za-z0-9]+/g;

/**
 * Both reference canonicalisers split where the Unicode block changes
 * ("abcжзи" is two words, so is "日本語のテキスト"). JavaScript exposes scripts,
 * not blocks; a change of script between two letters is the closest test.
 * Digits and other Common characters join the word they are in.
 */
const SCRIPTS = [
  'Latin',
  'Greek',
  'Cyrillic',
  'Armenian',
  'Georgian',
  'Hebrew',
  'Arabic',
  'Syriac',
  'Thaana',
  'Devanagari',
  'Bengali',
  'Gurmukhi',
  'Gujarati',
  'Oriya',
  'Tamil',
  'Telugu',
  'Kannada',
  'Malayalam',
  'Sinhala',
  'Thai',
  'Lao',
  'Tibetan',
  'Myanmar',
  'Ethiopic',
  'Khmer',
  'Mongolian',
  'Hangul',
  'Hiragana',
  'Katakana',
  'Bopomofo',
  'Han',
];
const SCRIPT_OF = new RegExp(SCRIPTS.map((name) => `(\\p{Script=${name}})`).join('|'), 'u');
const NOT_A_LETTER = -1;
const OTHER_SCRIPT = SCRIPTS.length;
const scriptCache = new Map<number, number>();

function scriptOf(codePoint: number): number {
  if (codePoint < 0x80) return /[a-z]/i.test(String.fromCharCode(codePoint)) ? 0 : NOT_A_LETTER;
  let script = scriptCache.get(codePoint);
  if (script === undefined) {
    const char = String.fromCodePoint(codePoint);
    if (!/\p{L}/u.test(char)) script = NOT_A_LETTER;
    else {
      const match = SCRIPT_OF.exec(char);
      script = match ? match.slice(1).findIndex((group) => group !== undefined) : OTHER_SCRIPT;
    }
    scriptCache.set(codePoint, script);
  }
  return script;
}

/**
 * The canonical form of a name or query (§2.2, §2.6): compatibility
 * decomposition, lower case, generic diacritics removed, recomposed. `Café`,
 * `CAFÉ` and `cafe` all become `cafe`; `ﬁle` becomes `file`.
 */
export function canonicalize(text: string): string {
  // Normalisation leaves ASCII alone.
  if (ASCII_ONLY.test(text)) return text.toLowerCase();
  return text.normalize('NFKD').toLowerCase().replace(DROPPED_MARKS, '').normalize('NFC');
}

/** Splits text on every non-letter, non-digit and at script changes (§2.3, §2.6). */
function splitWords(text: string): string[] {
  if (ASCII_ONLY.test(text)) return text.match(ASCII_WORD) ?? [];
  const words: string[] = [];
  for (const [run] of text.matchAll(WORD)) {
    let start = 0;
    let current = NOT_A_LETTER;
    for (let i = 0; i < run.length; ) {
      const codePoint = run.codePointAt(i)!;
      const script = scriptOf(codePoint);
      if (script !== NOT_A_LETTER) {
        if (current !== NOT_A_LETTER && script !== current) {
          words.push(run.slice(start, i));
          start = i;
        }
        current = script;
      }
      i += codePoint > 0xffff ? 2 : 1;
    }
    words.push(run.slice(start));
  }
  return words;
}

/**
 * The words an ultrapeer tests against a leaf's table (§2.6 ultrapeer side,
 * §8.1): canonical form, split on non-letters/non-digits, without duplicates.
 * Every word counts, however short: leaves of both reference clients put short
 * words in their tables (§2.1).
 */
export function queryKeywords(text: string): string[] {
  return [...new Set(splitWords(canonicalize(text)))];
}

/**
 * The keywords a leaf puts in its table for one shared file name (§2.6 leaf
 * side (a)–(d), §2.1): the canonical words, the extension included; LimeWire's
 * delimiter tokens where they differ (`rock'n'roll`); the accented forms a
 * LimeWire ultrapeer hashes as received (`café`); gtk-gnutella's fully
 * case-folded forms (`strasse`); and the prefixes both clients add (§2.4).
 * The `urn:sha1:` keyword (e) is added by the table builder.
 */
export function fileKeywords(name: string): string[] {
  const canonical = canonicalize(name);
  const words = new Set(splitWords(canonical));
  for (const token of canonical.split(LW_DELIMITERS)) if (token !== '') words.add(token);
  if (!ASCII_ONLY.test(name)) {
    for (const word of splitWords(name.toLowerCase().normalize('NFC'))) words.add(word);
    for (const word of [...words]) words.add(word.toUpperCase().toLowerCase());
  }
  const keywords = new Set(words);
  for (const word of words) {
    addLimeWirePrefixes(word, keywords);
    addGtkGnutellaPrefixes(word, keywords);
  }
  return [...keywords];
}

/** The word minus its last one and two UTF-16 units, for words of five units or more (§2.4). */
function addLimeWirePrefixes(word: string, into: Set<string>): void {
  if (word.length < LW_PREFIX_MIN_LENGTH) return;
  into.add(word.slice(0, -1));
  into.add(word.slice(0, -2));
}

/** Up to five one-character cuts, each kept while longer than three UTF-8 bytes (§2.4). */
function addGtkGnutellaPrefixes(word: string, into: Set<string>): void {
  if (ASCII_ONLY.test(word)) {
    const last = Math.max(GTKG_PREFIX_MIN_BYTES, word.length - GTKG_PREFIX_MAX_CUTS);
    for (let end = word.length - 1; end >= last; end--) into.add(word.slice(0, end));
    return;
  }
  const chars = [...word];
  let bytes = 0;
  for (const char of chars) bytes += utf8Length(char.codePointAt(0)!);
  for (let cuts = 1; cuts <= GTKG_PREFIX_MAX_CUTS && cuts < chars.length; cuts++) {
    bytes -= utf8Length(chars[chars.length - cuts]!.codePointAt(0)!);
    if (bytes < GTKG_PREFIX_MIN_BYTES) return;
    into.add(chars.slice(0, chars.length - cuts).join(''));
  }
}

const utf8Length = (codePoint: number): number =>
  codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
