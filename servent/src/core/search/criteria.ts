/**
 * Search criteria both ways: an incoming Query as the library matches it,
 * and the text of a Query we originate (messages.md §9).
 */

import { extensionSha1s, type Query } from '../wire/index.js';
import type { SearchQuery } from './library.js';

/** The criteria of a "What's New?" query (dynamic-querying.md §9). */
export const WHATS_NEW_CRITERIA = 'WhatIsNewXOXO';

/**
 * Characters for which LimeWire drops a query: `_ # ! | ? < > ^ ( ) : ; / \ [ ] { }`,
 * TAB, LF, CR, FF (messages.md §9).
 */
const BANNED = /[_#!|?<>^():;/\\[\]{}\t\n\r\f]/;

/** What the library needs of an incoming Query: its criteria, the SHA-1s it names, "What's New?". */
export function searchQueryOf(query: Query): SearchQuery {
  return {
    criteria: query.criteria,
    sha1s: extensionSha1s(query.extensions),
    whatsNew: query.criteria === WHATS_NEW_CRITERIA,
  };
}

/**
 * The criteria to send for what a user typed (MSG-41): each character
 * LimeWire bans, or that normalises to one (fullwidth `？`), becomes a space,
 * and runs of spaces collapse. A URN query's `\` is written as is, not
 * through here.
 */
export function sanitizeCriteria(text: string): string {
  let out = '';
  for (const char of text) out += BANNED.test(char.normalize('NFKC')) ? ' ' : char;
  return out.replace(/ {2,}/g, ' ').trim();
}
