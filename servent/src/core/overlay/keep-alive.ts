/**
 * A link's keep-alive (messages.md §7, MSG-40): after a quiet interval with
 * nothing received we send an alive ping (TTL 1, hops 0); a pong with its GUID
 * answers it. A ping unanswered for the timeout counts as missed and the next
 * one goes at once; after `maxMissed` consecutive misses the link is dead.
 *
 *   state     input                              → effect            next
 *   idle      now ≥ heard + interval             → send ping         waiting
 *   waiting   pong with the ping's GUID          → missed := 0       idle
 *             now ≥ sent + timeout, missed+1 < max → missed++, ping  waiting
 *             now ≥ sent + timeout, missed+1 = max → give up          —
 */

export interface KeepAliveOptions {
  intervalMs: number;
  timeoutMs: number;
  maxMissed: number;
}

export type KeepAliveAction = 'send-ping' | 'give-up' | undefined;

export class KeepAlive {
  readonly #options: KeepAliveOptions;
  #heardAt: number;
  #pending: { key: string; sentAt: number } | undefined;
  #missed = 0;

  constructor(options: KeepAliveOptions, now: number) {
    this.#options = options;
    this.#heardAt = now;
  }

  /** Consecutive alive pings that went unanswered. */
  get missed(): number {
    return this.#missed;
  }

  /** Anything received counts as "not quiet". */
  heard(now: number): void {
    this.#heardAt = now;
  }

  /** A pong arrived; true when it answers our pending alive ping. */
  answered(guidKey: string): boolean {
    if (this.#pending?.key !== guidKey) return false;
    this.#pending = undefined;
    this.#missed = 0;
    return true;
  }

  sent(guidKey: string, now: number): void {
    this.#pending = { key: guidKey, sentAt: now };
  }

  nextTimeout(): number {
    const pending = this.#pending;
    return pending === undefined
      ? this.#heardAt + this.#options.intervalMs
      : pending.sentAt + this.#options.timeoutMs;
  }

  /** What is due at `now`. */
  poll(now: number): KeepAliveAction {
    const pending = this.#pending;
    if (pending === undefined) {
      return now >= this.#heardAt + this.#options.intervalMs ? 'send-ping' : undefined;
    }
    if (now < pending.sentAt + this.#options.timeoutMs) return undefined;
    this.#pending = undefined;
    this.#missed++;
    return this.#missed >= this.#options.maxMissed ? 'give-up' : 'send-ping';
  }
}
