/** Scoped resources for the benches: whatever a scope acquired is released when it ends, on every exit path. */
/** Cleanups run in reverse order when a scope ends, on success and on failure. */
export class Scope {
  readonly #cleanups: Array<() => unknown> = [];

  add<T>(resource: T, cleanup: (r: T) => unknown): T {
    this.#cleanups.push(() => cleanup(resource));
    return resource;
  }

  async close(): Promise<void> {
    const errors: unknown[] = [];
    for (const cleanup of this.#cleanups.reverse()) {
      try {
        await cleanup();
      } catch (err) {
        errors.push(err);
      }
    }
    this.#cleanups.length = 0;
    if (errors.length > 0) throw errors[0];
  }
}

export async function scoped<T>(fn: (scope: Scope) => Promise<T>): Promise<T> {
  const scope = new Scope();
  try {
    return await fn(scope);
  } finally {
    await scope.close();
  }
}

/**
 * Runs a bench so that Ctrl-C or a kill leaves through process.exit, whose
 * handlers kill the child processes and remove the temporary files.
 */
export async function interruptible(name: string, run: () => Promise<void>): Promise<void> {
  const interrupted = (signal: NodeJS.Signals) => {
    console.error(`\n${name}: ${signal}, stopping its processes`);
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    await run();
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  }
}
