/**
 * Builds the conformance report from a finished cucumber run. Behind the
 * future `gnutella-conformance report`; runs on its own too:
 *
 *   npx tsx harness/report/report-cli.ts --ndjson reports/cucumber.ndjson \
 *     --out reports/conformance [--strict] [--scenarios reports/scenarios] \
 *     [--sut-image IMAGE] [--sut-adapter NAME] [--clauses fixtures/clauses.json]
 *
 * Exit code: 0 conformant, 1 a MUST clause failed (or, with --strict, a
 * SHOULD clause), 2 the report could not be made.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Clause, readClauseRegistry } from './clause-registry.js';
import {
  type ConformanceSummary,
  type SutInfo,
  summaryParagraph,
  writeConformanceReport,
} from './conformance-report.js';
import { judgeClauses, parseCucumberMessages } from './verdicts.js';

export interface RunReportOptions {
  /** cucumber's message stream (the `message:` formatter's file). */
  ndjson: string;
  /** The scenarios' artefacts folders; default: `scenarios/` beside the ndjson file. */
  scenariosDir?: string;
  outDir: string;
  /** Failing SHOULD clauses fail the run too. */
  strict?: boolean;
  sut?: SutInfo;
  /** The clauses to judge; default: the committed registry, fixtures/clauses.json. */
  clauses?: readonly Clause[];
}

export interface RunReportResult {
  exitCode: 0 | 1;
  /** One paragraph for a terminal or a CI log. */
  summary: string;
  /** What conformance.json holds. */
  report: ConformanceSummary;
  files: string[];
}

export async function runReport(options: RunReportOptions): Promise<RunReportResult> {
  const ndjson = await readFile(options.ndjson, 'utf8').catch((err: Error) => {
    throw new Error(
      `cannot read the cucumber message stream ${options.ndjson}: ${err.message}; run the scenarios with the \`message:${options.ndjson}\` formatter (cucumber.mjs has it)`,
    );
  });
  const run = parseCucumberMessages(ndjson);
  const clauses = options.clauses ?? readClauseRegistry();
  const judgement = judgeClauses(run.scenarios, clauses);
  const scenariosDir = options.scenariosDir ?? join(dirname(options.ndjson), 'scenarios');
  await mkdir(options.outDir, { recursive: true });
  const { summary: report, files } = await writeConformanceReport(
    {
      run,
      judgement,
      strict: options.strict ?? false,
      ...(options.sut ? { sut: options.sut } : {}),
      ...(existsSync(scenariosDir) ? { scenariosDir } : {}),
    },
    options.outDir,
  );
  return { exitCode: report.exitCode, summary: summaryParagraph(report), report, files };
}

const USAGE = `usage: report [--ndjson FILE] [--out DIR] [--strict] [--scenarios DIR]
              [--sut-image IMAGE] [--sut-adapter NAME] [--clauses FILE]
  --ndjson FILE      cucumber's message stream (default reports/cucumber.ndjson)
  --out DIR          where the report goes (default reports/conformance)
  --strict           a failing SHOULD clause fails the run too
  --scenarios DIR    the scenarios' artefacts (default: scenarios/ beside the ndjson file)
  --sut-image, --sut-adapter   what was tested, for the report's header
  --clauses FILE     the clause registry (default fixtures/clauses.json)`;

/** The command: prints the summary paragraph and returns the exit code (2: no report could be made). */
export async function main(argv: string[]): Promise<number> {
  try {
    return await reportCommand(argv);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // parseArgs names the bad option; say where the good ones are listed.
    const hint = (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
      ? ' (--help lists the options)'
      : '';
    console.error(`${message}${hint}`);
    return 2;
  }
}

async function reportCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ndjson: { type: 'string', default: 'reports/cucumber.ndjson' },
      out: { type: 'string', default: 'reports/conformance' },
      scenarios: { type: 'string' },
      strict: { type: 'boolean', default: false },
      'sut-image': { type: 'string' },
      'sut-adapter': { type: 'string' },
      clauses: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const sut: SutInfo = {
    ...(values['sut-image'] ? { image: values['sut-image'] } : {}),
    ...(values['sut-adapter'] ? { adapter: values['sut-adapter'] } : {}),
  };
  const result = await runReport({
    ndjson: values.ndjson,
    outDir: values.out,
    strict: values.strict,
    ...(values.scenarios ? { scenariosDir: values.scenarios } : {}),
    ...(Object.keys(sut).length ? { sut } : {}),
    ...(values.clauses ? { clauses: readClauseRegistry(values.clauses) } : {}),
  });
  console.log(result.summary);
  console.log(`Report: ${join(values.out, 'index.html')} (and conformance.md, conformance.json)`);
  return result.exitCode;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
