/**
 * Run and scenario lifecycle: one Docker runtime per run, one internal network
 * per scenario; logs and fixture transcripts kept per scenario; everything the
 * run labelled removed on success, failure, timeout, SIGINT and SIGTERM, and a
 * check at the end that nothing labelled is left.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { After, AfterAll, Before, BeforeAll, Status, setDefaultTimeout } from '@cucumber/cucumber';
import { DockerRuntime } from '../../harness/runtime/docker-runtime.js';
import { clearSharedRun, newRunId, setSharedRun, sharedRun, sutAdapterFromEnv } from './run.js';
import type { ConformanceWorld } from './world.js';

setDefaultTimeout(90_000);

const REPORT_DIR = process.env.GNUTELLA_REPORT_DIR ?? 'reports';

BeforeAll(async () => {
  const runId = newRunId();
  const { runtime, swept } = await DockerRuntime.open(runId);
  if (swept.containers.length + swept.networks.length > 0) {
    console.warn(
      `removed what earlier, dead runs left: ${[...swept.containers, ...swept.networks].join(', ')}`,
    );
  }
  setSharedRun({ runId, runtime, sut: sutAdapterFromEnv() });
  await rm(join(REPORT_DIR, 'scenarios'), { recursive: true, force: true });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: removing this run's containers and networks...`);
      runtime
        .removeAll()
        .catch((err: unknown) => console.error(`cleanup failed: ${String(err)}`))
        .finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    });
  }
});

Before(function (this: ConformanceWorld, { pickle }) {
  this.scenarioName = pickle.name;
});

After(async function (this: ConformanceWorld, { result, pickle }) {
  const dir = join(REPORT_DIR, 'scenarios', slug(pickle.name));
  await mkdir(dir, { recursive: true });
  const failed = result?.status !== Status.PASSED;
  for (const [i, peer] of this.peers.entries()) {
    await writeFile(
      join(dir, `fixture-${i + 1}-${peer.name}.json`),
      JSON.stringify(peer.transcript(), null, 1),
    );
    peer.close();
  }
  for (const listener of this.listeners.values()) await listener.close();
  for (const uploader of this.uploaders.values()) {
    await writeFile(
      join(dir, `uploader-${uploader.name}.json`),
      JSON.stringify({ requests: uploader.requests, served: uploader.served }, null, 1),
    );
    await uploader.close();
  }
  for (const [name, cache] of this.webCaches) {
    await writeFile(join(dir, `gwebcache-${name}.json`), JSON.stringify(cache.requests, null, 1));
    await cache.stop();
  }
  for (const [name, cache] of this.udpHostCaches) {
    const pings = cache.pings.map((p) => ({ ...p, raw: Buffer.from(p.raw).toString('hex') }));
    await writeFile(join(dir, `udp-host-cache-${name}.json`), JSON.stringify(pings, null, 1));
    await cache.stop();
  }
  for (const close of this.closers) await close();
  if (this.network) {
    const logs = await this.runtime.networkLogs(this.network);
    for (const [name, text] of logs) await writeFile(join(dir, `${name}.log`), text);
    await this.runtime.removeNetwork(this.network);
  }
  if (failed) this.attach(`artefacts (node logs, fixture transcripts): ${dir}`);
});

AfterAll(async () => {
  const { runtime } = sharedRun();
  await runtime.removeAll();
  const left = await runtime.leftovers();
  clearSharedRun();
  if (left.containers.length + left.networks.length > 0) {
    throw new Error(
      `cleanup left labelled resources: ${[...left.containers, ...left.networks].join(', ')}`,
    );
  }
});

function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 100);
}
