/**
 * Our side of QRP (qrp.md §6, §9): the table we announce and when it is due
 * to go out again. A leaf announces its own table; an ultrapeer the merge of
 * its own shares and every complete table of a leaf that is not busy
 * (Hops-Flow ≥ 3). A change (library, a leaf's table, a leaf leaving) sends
 * patches after the update delay, so changes in between share one update.
 * Which links get the table, and the per-link diff, belong to the overlay
 * and `RouteTableSender`.
 */
import { mergeTables, QueryRouteTable, type TableShape } from '../qrp/index.js';

export class QrpExchange {
  readonly #mode: 'ultrapeer' | 'leaf';
  readonly #shape: TableShape;
  readonly #delayMs: number;
  readonly #leafTables: () => Iterable<QueryRouteTable>;
  #own: QueryRouteTable;
  /** The ultrapeer's merged table, undefined when something changed since it was merged. */
  #merged: QueryRouteTable | undefined;
  #dueAt: number | undefined;

  constructor(options: {
    mode: 'ultrapeer' | 'leaf';
    shape: TableShape;
    delayMs: number;
    keywords: Iterable<string>;
    /** Complete tables of the leaves that count (ultrapeer only). */
    leafTables: () => Iterable<QueryRouteTable>;
  }) {
    this.#mode = options.mode;
    this.#shape = options.shape;
    this.#delayMs = options.delayMs;
    this.#leafTables = options.leafTables;
    this.#own = tableOf(options.keywords, options.shape);
  }

  /** When updates are due, if a change is waiting. */
  get dueAt(): number | undefined {
    return this.#dueAt;
  }

  /** The table we announce: a leaf's own, an ultrapeer's merged table. */
  table(): QueryRouteTable {
    if (this.#mode === 'leaf') return this.#own;
    this.#merged ??= mergeTables([this.#own, ...this.#leafTables()], this.#shape);
    return this.#merged;
  }

  /** Our library changed. */
  libraryChanged(keywords: Iterable<string>, now: number): void {
    this.#own = tableOf(keywords, this.#shape);
    this.changed(now);
  }

  /** Something the table is made of changed; updates go out after the delay. */
  changed(now: number): void {
    this.#merged = undefined;
    this.#dueAt ??= now + this.#delayMs;
  }

  /** True once when the waiting updates are due. */
  takeDue(now: number): boolean {
    if (this.#dueAt === undefined || now < this.#dueAt) return false;
    this.#dueAt = undefined;
    return true;
  }
}

function tableOf(keywords: Iterable<string>, shape: TableShape): QueryRouteTable {
  const table = new QueryRouteTable(shape);
  for (const word of keywords) table.addKeyword(word);
  return table;
}
