import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { ShareLibrary } from '../../../src/node/library/index.js';
import { createLogger } from '../../../src/node/log.js';

export const log = createLogger('silent');

const cleanups = new WeakMap<TestContext, (() => Promise<unknown>)[]>();

/** Runs `cleanup` when the test ends, the last deferred first (a library stops before its folder goes). */
export function defer(t: TestContext, cleanup: () => Promise<unknown>): void {
  let stack = cleanups.get(t);
  if (stack === undefined) {
    const registered: (() => Promise<unknown>)[] = [];
    stack = registered;
    cleanups.set(t, registered);
    t.after(async () => {
      for (const run of registered.reverse()) await run();
    });
  }
  stack.push(cleanup);
}

/** A fresh folder under the system temp folder, removed when the test ends. */
export async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gnutella-share-test-'));
  defer(t, () => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Resolves at the first `changed` event after which `done()` holds. Call it
 * before changing the disk. The timeout only turns a hang into a failure.
 */
export function changedUntil(
  share: ShareLibrary,
  what: string,
  done: () => boolean,
): Promise<void> {
  const timeoutMs = 3_000;
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!done()) return;
      clearTimeout(timer);
      share.off('changed', check);
      resolve();
    };
    const timer = setTimeout(() => {
      share.off('changed', check);
      reject(new Error(`${what}: no such change announced within ${timeoutMs} ms`));
    }, timeoutMs);
    share.on('changed', check);
  });
}
