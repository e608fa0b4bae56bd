/**
 * Run and scenario lifecycle: one Docker runtime per run, one internal network
 * per scenario; logs and fixture transcripts kept per scenario; everything the
 * run labelled removed on success, failure, timeout, SIGINT and SIGTERM, and a
 * check at the end that nothing labelled is left.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { After, AfterAll, Before, BeforeAll, Status, setDefaultTimeout } from '@cucumber/cucumber';
import type { GherkinDocument } from '@cucumber/messages';
import { PcapCapture } from '../../harness/capture/pcap.js';
import { DockerRuntime } from '../../harness/runtime/docker-runtime.js';
import {
  clearSharedRun,
  newRunId,
  REPORT_DIR,
  setSharedRun,
  sharedRun,
  sutAdapterFromEnv,
} from './run.js';
import type { ConformanceWorld } from './world.js';

setDefaultTimeout(90_000);

BeforeAll(async () => {
  const runId = newRunId();
  const { runtime, swept } = await DockerRuntime.open(runId);
  if (swept.containers.length + swept.networks.length > 0) {
    console.warn(
      `removed what earlier, dead runs left: ${[...swept.containers, ...swept.networks].join(', ')}`,
    );
  }
  setSharedRun({ runId, runtime, sut: await sutAdapterFromEnv() });
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

After(async function (this: ConformanceWorld, { result, pickle, gherkinDocument }) {
  const dir = this.artefactDir;
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
  // The pcap is kept only where it helps: a failed scenario.
  if (this.capture instanceof PcapCapture) await this.capture.stop(failed);
  if (failed) {
    const where = `${pickle.uri}:${scenarioLine(gherkinDocument, pickle.astNodeIds)}`;
    await writeFile(join(dir, 'repro.sh'), await reproScript(where, pickle.name));
    const pcap = this.capture instanceof PcapCapture ? 'network.pcap, ' : '';
    const missing = typeof this.capture === 'string' ? ` (${this.capture})` : '';
    this.attach(
      `artefacts (node logs, fixture transcripts, ${pcap}repro.sh): ${dir}${missing}\nrepro: bash ${join(dir, 'repro.sh')}`,
    );
  }
});

/** The line of the scenario, or of its example row for an outline: what `cucumber-js file:line` runs. */
function scenarioLine(document: GherkinDocument, astNodeIds: readonly string[]): number {
  const [scenarioId, rowId] = astNodeIds;
  const children = document.feature?.children.flatMap((c) =>
    c.rule ? c.rule.children.map((r) => r.scenario) : [c.scenario],
  );
  for (const scenario of children ?? []) {
    if (!scenario || scenario.id !== scenarioId) continue;
    const row = scenario.examples.flatMap((e) => e.tableBody).find((r) => r.id === rowId);
    return (row ?? scenario).location.line;
  }
  return 0;
}

/** One command that runs this scenario alone against the same image, with its id for the record. */
async function reproScript(where: string, name: string): Promise<string> {
  const { runtime, sut, runId } = sharedRun();
  const imageId = await runtime.docker
    .getImage(sut.image)
    .inspect()
    .then((i) => i.Id)
    .catch(() => 'unknown');
  return [
    '#!/usr/bin/env bash',
    `# Runs "${name.replaceAll('\n', ' ')}" alone against the image it failed on.`,
    `# SUT image ${sut.image} (${imageId}), adapter ${sut.name}, run ${runId}, ${new Date().toISOString()}.`,
    '# Scenarios draw fresh GUIDs and ports each run; the files they share come from fixed seeds.',
    'set -euo pipefail',
    `cd ${JSON.stringify(process.cwd())}`,
    `npx tsx harness/cli.ts run --sut-image ${sut.image} --sut-adapter ${sut.name} --report reports/repro ${where}`,
    '',
  ].join('\n');
}

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
