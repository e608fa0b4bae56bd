/**
 * gnutella-conformance: the conformance harness as a command.
 *
 *   gnutella-conformance run [FEATURE[:LINE] ...] [--sut-image IMAGE] [--sut-adapter NAME|PATH]
 *                            [--tags EXPR] [--name REGEX] [--report DIR] [--parallel N] [--strict]
 *   gnutella-conformance record --listen HOST:PORT --upstream HOST:PORT --out FILE [...]
 *   gnutella-conformance report [--ndjson FILE] [--out DIR] [--strict]
 *
 * `run` starts the scenarios (cucumber-js) against a servent image, then turns
 * their results into per-clause verdicts. It exits non-zero only when a MUST
 * clause fails (or, with --strict, a SHOULD clause too), whatever else failed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const CUCUMBER = join(ROOT, 'node_modules/@cucumber/cucumber/bin/cucumber.js');
const IMAGES_JSON = join(ROOT, 'dist/images.json');

/** The run could not happen at all (no engine, no image): not a verdict on the SUT. */
const EXIT_NOT_RUN = 2;

const positiveInt = (text: string): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 16)
    throw new InvalidArgumentError('a whole number from 1 to 16');
  return n;
};

const program = new Command('gnutella-conformance')
  .description(
    'Gnutella 0.6 conformance scenarios against any servent image, judged per spec clause',
  )
  .showHelpAfterError();

program
  .command('run')
  .description('run the scenarios against a servent image and report per clause')
  .argument('[paths...]', 'feature files or FILE:LINE (default: every feature)')
  .option('--sut-image <image>', 'servent image to test (default: our servent, built if needed)')
  .option(
    '--sut-adapter <name>',
    'how to drive the image: gnutella-servent, or a module path exporting createAdapter(image)',
    'gnutella-servent',
  )
  .option('--tags <expr>', 'only scenarios matching this tag expression, e.g. "@HS-3 or @QRP-7"')
  .option('--name <regex>', 'only scenarios whose name matches')
  .option('--report <dir>', 'where reports and artefacts go', 'reports')
  .option(
    '--parallel <n>',
    'scenarios run by this many workers, each with its own networks',
    positiveInt,
  )
  .option('--strict', 'a failed SHOULD clause fails the run too')
  .action(async (paths: string[], options: RunOptions) => {
    process.exitCode = await run(paths, options);
  });

program
  .command('record')
  .description('sit between two live servents and write their conversation as a replayable fixture')
  .allowUnknownOption()
  .helpOption(false)
  .argument('[args...]')
  .action(async () => {
    const { main } = await import('./record/record-cli.js');
    process.exitCode = await main(process.argv.slice(3));
  });

program
  .command('report')
  .description('turn a run’s cucumber messages into the conformance report again')
  .allowUnknownOption()
  .helpOption(false)
  .argument('[args...]')
  .action(async () => {
    const { main } = await import('./report/report-cli.js');
    process.exitCode = await main(process.argv.slice(3));
  });

interface RunOptions {
  sutImage?: string;
  sutAdapter: string;
  tags?: string;
  name?: string;
  report: string;
  parallel?: number;
  strict?: boolean;
}

async function run(paths: string[], options: RunOptions): Promise<number> {
  if (spawnSync('bash', [join(ROOT, 'ci/setup-docker.sh')], { stdio: 'inherit' }).status !== 0) {
    console.error('gnutella-conformance: no Docker engine (see the message above)');
    return EXIT_NOT_RUN;
  }
  const image = options.sutImage ?? ourImage();
  if (image === undefined) return EXIT_NOT_RUN;
  const report = resolve(options.report);
  const args = [CUCUMBER, ...paths];
  if (options.tags) args.push('--tags', options.tags);
  if (options.name) args.push('--name', options.name);
  if (options.parallel && options.parallel > 1) args.push('--parallel', String(options.parallel));
  console.error(
    `gnutella-conformance: ${image} (${options.sutAdapter})${options.parallel ? `, ${options.parallel} workers` : ''}; reports in ${report}`,
  );
  const cucumber = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    stdio: 'inherit',
    env: {
      ...process.env,
      GNUTELLA_SUT_IMAGE: image,
      GNUTELLA_SUT_ADAPTER: options.sutAdapter,
      GNUTELLA_REPORT_DIR: report,
    },
  });
  const code = await new Promise<number>((done) => cucumber.on('exit', (c) => done(c ?? 1)));
  const ndjson = join(report, 'cucumber.ndjson');
  if (!existsSync(ndjson)) {
    console.error(
      `gnutella-conformance: cucumber-js stopped (exit ${code}) before writing ${ndjson}`,
    );
    return EXIT_NOT_RUN;
  }
  const { runReport } = await import('./report/report-cli.js');
  const result = await runReport({
    ndjson,
    scenariosDir: join(report, 'scenarios'),
    outDir: join(report, 'conformance'),
    strict: options.strict ?? false,
    sut: { image, adapter: options.sutAdapter },
  });
  console.log(result.summary);
  return result.exitCode;
}

/** Our servent's image from the sources as they are: the build reuses an unchanged image. */
function ourImage(): string | undefined {
  const built = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'docker/build-images.ts', '--quiet'],
    { cwd: ROOT, stdio: 'inherit' },
  );
  if (built.status !== 0) return undefined;
  const images = JSON.parse(readFileSync(IMAGES_JSON, 'utf8')) as { servent?: string };
  if (!images.servent) console.error(`gnutella-conformance: ${IMAGES_JSON} names no servent image`);
  return images.servent;
}

await program.parseAsync();
