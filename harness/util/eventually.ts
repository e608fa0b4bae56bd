/** Re-checks a condition until it holds or time runs out; no fixed sleeps. */
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * `check` returns undefined when satisfied, or a string saying what it saw. An
 * assertion error it throws counts as "not yet" until the deadline.
 */
export async function eventually(
  timeoutMs: number,
  what: string,
  check: () => Promise<string | undefined>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'never checked';
  for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
    try {
      const seen = await check();
      if (seen === undefined) return;
      last = seen;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() >= deadline)
      throw new Error(`${what}: not so after ${timeoutMs} ms; last seen: ${last}`);
    await sleep(delay);
  }
}

/**
 * The one sanctioned wait of fixed length: a window over which something must
 * *not* happen (no copy of a query reaches a leaf). Use it only after a
 * positive sign that the node has handled what came before.
 */
export async function absenceWindow(ms: number): Promise<void> {
  await sleep(ms);
}
