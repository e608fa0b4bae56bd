/**
 * Bytes received from the servent under test, consumed by readers that wait
 * for "enough". Every byte is also kept, with its arrival time, for assertions
 * and for the transcript saved on failure.
 */
export interface Arrival {
  at: number;
  bytes: Buffer;
}

export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

export class ByteInbox {
  readonly arrivals: Arrival[] = [];
  #pending = Buffer.alloc(0);
  #ended: number | undefined;
  #wake: (() => void) | undefined;

  push(bytes: Buffer, at = Date.now()): void {
    this.arrivals.push({ at, bytes });
    this.#pending = Buffer.concat([this.#pending, bytes]);
    this.#wake?.();
  }

  end(at = Date.now()): void {
    this.#ended ??= at;
    this.#wake?.();
  }

  /** Wakes waiters without new bytes: something derived from them (a decoded message) changed. */
  poke(): void {
    this.#wake?.();
  }

  /** When the peer closed its side, if it has. */
  get endedAt(): number | undefined {
    return this.#ended;
  }

  get pending(): Buffer {
    return this.#pending;
  }

  /** Every byte received so far, in order. */
  all(): Buffer {
    return Buffer.concat(this.arrivals.map((a) => a.bytes));
  }

  /** Takes the first `n` unread bytes. */
  take(n: number): Buffer {
    const out = this.#pending.subarray(0, n);
    this.#pending = this.#pending.subarray(n);
    return out;
  }

  /**
   * Waits until `ready` (called with the unread bytes) returns something other
   * than undefined, the stream ends, or `timeoutMs` passes.
   */
  async waitFor<T>(
    ready: (pending: Buffer, ended: boolean) => T | undefined,
    timeoutMs: number,
    what: string,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = ready(this.#pending, this.#ended !== undefined);
      if (value !== undefined) return value;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new TimeoutError(
          `${what} not seen after ${timeoutMs} ms; ${this.#pending.length} unread bytes: ${preview(this.#pending)}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }
}

/** A short, printable view of bytes for error messages. */
export function preview(bytes: Buffer, max = 96): string {
  const text = bytes
    .subarray(0, max)
    .toString('latin1')
    .replace(/\r/g, '\\r')
    .replace(/\n/g, '\\n')
    .replace(/[^\x20-\x7e\\]/g, '.');
  return `"${text}"${bytes.length > max ? '…' : ''} (hex ${bytes.subarray(0, 24).toString('hex')})`;
}
