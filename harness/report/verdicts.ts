/**
 * Scenario outcomes from cucumber's message stream (the NDJSON the `message`
 * formatter writes), and a verdict per spec clause from the scenarios that tag
 * it, in the manner of the Autobahn test suite: a failing MUST fails, a failing
 * SHOULD is "non-strict", a failing MAY is only informational.
 *
 * The stream is read leniently: a line that is not JSON, an envelope of a kind
 * not used here, or a reference to something never announced is skipped, with
 * a warning where it could hide a result.
 */
import { type Clause, type ClauseLevel, clauseIdOfTag } from './clause-registry.js';

export const SCENARIO_STATUSES = [
  'passed',
  'failed',
  'ambiguous',
  'undefined',
  'pending',
  'skipped',
] as const;
export type ScenarioStatus = (typeof SCENARIO_STATUSES)[number];
/** A step that has no result (the run stopped first) is `unknown`. */
export type StepStatus = ScenarioStatus | 'unknown';

export interface StepOutcome {
  /** `step` for a Gherkin step, `hook` for a Before/After hook. */
  kind: 'step' | 'hook';
  /** `Given`, `When`, `And` …; empty for hooks. */
  keyword: string;
  /** The step text, or for a hook what it is and where it is defined. */
  text: string;
  status: StepStatus;
  durationMs: number;
  error?: string;
}

export interface Attachment {
  mediaType: string;
  /** The body for text media; a short description for anything else. */
  text: string;
}

export interface ScenarioOutcome {
  /** The pickle id: unique per scenario (and per example row of an outline). */
  id: string;
  name: string;
  feature: string;
  uri: string;
  line: number;
  /** `features/handshake.feature:12` */
  location: string;
  /** Every tag, feature tags included. */
  tags: string[];
  /** The tags that name clauses, without `@`: `HS-3`. */
  clauseIds: string[];
  status: ScenarioStatus;
  durationMs: number;
  /** How many times it ran (more than 1 when cucumber retried it); the last attempt counts. */
  attempts: number;
  steps: StepOutcome[];
  /** The step that decided a non-passing status, as `keyword text`. */
  failedStep?: string;
  error?: string;
  attachments: Attachment[];
  /** The artefacts folder an attachment named (failed scenarios only, see steps/support/hooks.ts). */
  artefacts?: string;
}

export interface CucumberRun {
  scenarios: ScenarioOutcome[];
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  /** What cucumber itself concluded (strict about pending and undefined steps). */
  success?: boolean;
  cucumberVersion?: string;
  warnings: string[];
}

/** The folder name hooks.ts keeps a scenario's artefacts under: reports/scenarios/<slug>/. */
export function scenarioSlug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 100);
}

// Only the fields read here; cucumber's messages carry more.
interface Timestamp {
  seconds: number;
  nanos: number;
}
interface GherkinStep {
  id: string;
  keyword: string;
}
interface GherkinScenario {
  id: string;
  location: { line: number };
  steps?: GherkinStep[];
  examples?: Array<{ tableBody?: Array<{ id: string; location: { line: number } }> }>;
}
interface GherkinChild {
  background?: { steps?: GherkinStep[] };
  scenario?: GherkinScenario;
  rule?: { children?: GherkinChild[] };
}
interface Envelope {
  meta?: { implementation?: { name?: string; version?: string } };
  gherkinDocument?: { uri?: string; feature?: { name?: string; children?: GherkinChild[] } };
  pickle?: {
    id: string;
    uri: string;
    name: string;
    location?: { line: number };
    astNodeIds: string[];
    tags: Array<{ name: string }>;
    steps: Array<{ id: string; text: string; astNodeIds: string[] }>;
  };
  hook?: { id: string; name?: string; type?: string; sourceReference?: SourceReference };
  testRunStarted?: { timestamp: Timestamp };
  testRunFinished?: { timestamp: Timestamp; success?: boolean };
  testCase?: {
    id: string;
    pickleId: string;
    testSteps: Array<{ id: string; pickleStepId?: string; hookId?: string }>;
  };
  testCaseStarted?: { id: string; testCaseId: string; attempt?: number; timestamp: Timestamp };
  testStepFinished?: {
    testCaseStartedId: string;
    testStepId: string;
    testStepResult: StepResult;
  };
  testCaseFinished?: { testCaseStartedId: string; timestamp: Timestamp; willBeRetried?: boolean };
  attachment?: {
    body: string;
    contentEncoding?: 'IDENTITY' | 'BASE64';
    mediaType: string;
    testCaseStartedId?: string;
  };
}
interface SourceReference {
  uri?: string;
  location?: { line: number };
}
interface StepResult {
  duration?: Timestamp;
  status: string;
  message?: string;
  exception?: { type?: string; message?: string };
}

const ms = (t: Timestamp | undefined) => (t ? t.seconds * 1000 + t.nanos / 1e6 : 0);
const iso = (t: Timestamp) => new Date(ms(t)).toISOString();

function stepStatus(status: string): StepStatus {
  const lower = status.toLowerCase();
  return (SCENARIO_STATUSES as readonly string[]).includes(lower)
    ? (lower as ScenarioStatus)
    : 'unknown';
}

/** Worst first, as cucumber ranks step results. */
const WORST_FIRST: readonly ScenarioStatus[] = [
  'failed',
  'ambiguous',
  'undefined',
  'pending',
  'skipped',
  'passed',
];

function worstOf(statuses: readonly StepStatus[]): ScenarioStatus {
  for (const status of WORST_FIRST) if (statuses.includes(status)) return status;
  // A scenario without a single finished step checked nothing.
  return 'undefined';
}

function errorOf(result: StepResult): string | undefined {
  const text = result.message ?? result.exception?.message;
  if (text) return text;
  return result.exception?.type;
}

/** Reads a whole NDJSON message stream. */
export function parseCucumberMessages(ndjson: string): CucumberRun {
  const warnings: string[] = [];
  const envelopes: Envelope[] = [];
  for (const [i, line] of ndjson.split('\n').entries()) {
    if (line.trim() === '') continue;
    try {
      envelopes.push(JSON.parse(line) as Envelope);
    } catch {
      warnings.push(`line ${i + 1} of the message stream is not JSON (a run cut short?); skipped`);
    }
  }

  const keywords = new Map<string, string>();
  const lines = new Map<string, number>();
  const features = new Map<string, string>();
  const pickles = new Map<string, NonNullable<Envelope['pickle']>>();
  const hooks = new Map<string, NonNullable<Envelope['hook']>>();
  const testCases = new Map<string, NonNullable<Envelope['testCase']>>();
  const starts = new Map<string, NonNullable<Envelope['testCaseStarted']>>();
  const attemptsOf = new Map<string, string[]>();
  const results = new Map<string, Map<string, StepResult>>();
  const finished = new Map<string, NonNullable<Envelope['testCaseFinished']>>();
  const attachments = new Map<string, Attachment[]>();
  const run: Omit<CucumberRun, 'scenarios' | 'warnings'> = {};
  let runStarted: Timestamp | undefined;

  const walk = (children: GherkinChild[] | undefined) => {
    for (const child of children ?? []) {
      for (const step of child.background?.steps ?? []) keywords.set(step.id, step.keyword.trim());
      const scenario = child.scenario;
      if (scenario) {
        lines.set(scenario.id, scenario.location.line);
        for (const step of scenario.steps ?? []) keywords.set(step.id, step.keyword.trim());
        for (const examples of scenario.examples ?? [])
          for (const row of examples.tableBody ?? []) lines.set(row.id, row.location.line);
      }
      walk(child.rule?.children);
    }
  };

  for (const e of envelopes) {
    if (e.meta?.implementation?.name === 'cucumber-js' && e.meta.implementation.version) {
      run.cucumberVersion = e.meta.implementation.version;
    } else if (e.gherkinDocument) {
      const doc = e.gherkinDocument;
      if (doc.uri && doc.feature) features.set(doc.uri, doc.feature.name ?? '');
      walk(doc.feature?.children);
    } else if (e.pickle) pickles.set(e.pickle.id, e.pickle);
    else if (e.hook) hooks.set(e.hook.id, e.hook);
    else if (e.testCase) testCases.set(e.testCase.id, e.testCase);
    else if (e.testCaseStarted) {
      const s = e.testCaseStarted;
      starts.set(s.id, s);
      attemptsOf.set(s.testCaseId, [...(attemptsOf.get(s.testCaseId) ?? []), s.id]);
    } else if (e.testStepFinished) {
      const f = e.testStepFinished;
      const byStep = results.get(f.testCaseStartedId) ?? new Map<string, StepResult>();
      byStep.set(f.testStepId, f.testStepResult);
      results.set(f.testCaseStartedId, byStep);
    } else if (e.testCaseFinished)
      finished.set(e.testCaseFinished.testCaseStartedId, e.testCaseFinished);
    else if (e.attachment?.testCaseStartedId) {
      const a = e.attachment;
      const list = attachments.get(a.testCaseStartedId!) ?? [];
      list.push(attachmentOf(a));
      attachments.set(a.testCaseStartedId!, list);
    } else if (e.testRunStarted) {
      runStarted = e.testRunStarted.timestamp;
      run.startedAt = iso(runStarted);
    } else if (e.testRunFinished) {
      run.finishedAt = iso(e.testRunFinished.timestamp);
      if (runStarted) run.durationMs = ms(e.testRunFinished.timestamp) - ms(runStarted);
      if (e.testRunFinished.success !== undefined) run.success = e.testRunFinished.success;
    }
  }

  const scenarios: ScenarioOutcome[] = [];
  // A pickle without a test case was filtered out of the run (by tag or name): not part of it.
  for (const testCase of testCases.values()) {
    const pickle = pickles.get(testCase.pickleId);
    if (!pickle) {
      warnings.push(
        `test case ${testCase.id} names a scenario the stream never described; skipped`,
      );
      continue;
    }
    const attemptIds = attemptsOf.get(testCase.id) ?? [];
    // The last attempt decides, as cucumber's own summary does for retried scenarios.
    const lastId = attemptIds
      .map((id) => starts.get(id)!)
      .reduce<NonNullable<Envelope['testCaseStarted']> | undefined>(
        (last, s) => (last === undefined || (s.attempt ?? 0) >= (last.attempt ?? 0) ? s : last),
        undefined,
      )?.id;
    scenarios.push(
      scenarioOutcome({
        pickle,
        testCase,
        started: lastId ? starts.get(lastId) : undefined,
        finished: lastId ? finished.get(lastId) : undefined,
        results: (lastId && results.get(lastId)) || new Map(),
        attachments: (lastId && attachments.get(lastId)) || [],
        attempts: attemptIds.length,
        keywords,
        hooks,
        line:
          pickle.location?.line ??
          [...pickle.astNodeIds]
            .reverse()
            .map((id) => lines.get(id))
            .find((l) => l !== undefined) ??
          0,
        feature: features.get(pickle.uri) ?? '',
      }),
    );
  }
  return { ...run, scenarios, warnings };
}

function attachmentOf(a: NonNullable<Envelope['attachment']>): Attachment {
  const textual = a.mediaType.startsWith('text/') || a.mediaType === 'application/json';
  if (!textual) {
    const size =
      a.contentEncoding === 'BASE64' ? Math.floor((a.body.length * 3) / 4) : a.body.length;
    return { mediaType: a.mediaType, text: `(${a.mediaType}, about ${size} bytes, not shown)` };
  }
  const text =
    a.contentEncoding === 'BASE64' ? Buffer.from(a.body, 'base64').toString('utf8') : a.body;
  return { mediaType: a.mediaType, text };
}

function scenarioOutcome(parts: {
  pickle: NonNullable<Envelope['pickle']>;
  testCase: NonNullable<Envelope['testCase']>;
  started: Envelope['testCaseStarted'];
  finished: Envelope['testCaseFinished'];
  results: Map<string, StepResult>;
  attachments: Attachment[];
  attempts: number;
  keywords: Map<string, string>;
  hooks: Map<string, NonNullable<Envelope['hook']>>;
  line: number;
  feature: string;
}): ScenarioOutcome {
  const { pickle, testCase, started, finished, results } = parts;
  const pickleSteps = new Map(pickle.steps.map((s) => [s.id, s]));
  const steps: StepOutcome[] = testCase.testSteps.map((testStep) => {
    const result = results.get(testStep.id);
    const common = {
      status: result ? stepStatus(result.status) : ('unknown' as const),
      durationMs: ms(result?.duration),
      ...(result && errorOf(result) !== undefined ? { error: errorOf(result)! } : {}),
    };
    const pickleStep = testStep.pickleStepId ? pickleSteps.get(testStep.pickleStepId) : undefined;
    if (pickleStep) {
      return {
        kind: 'step',
        keyword: parts.keywords.get(pickleStep.astNodeIds[0] ?? '') ?? '',
        text: pickleStep.text,
        ...common,
      };
    }
    return {
      kind: 'hook',
      keyword: '',
      text: hookText(parts.hooks.get(testStep.hookId ?? '')),
      ...common,
    };
  });

  let status = worstOf(steps.map((s) => s.status));
  let failedStep: string | undefined;
  let error: string | undefined;
  if (!started) {
    status = 'skipped';
    error = 'never started: the run ended before this scenario';
  } else if (!finished) {
    status = 'failed';
    error = 'did not finish: the run stopped during this scenario';
  }
  if (status !== 'passed' && status !== 'skipped') {
    const decisive = steps.find((s) => s.status === status);
    if (decisive) {
      failedStep = decisive.keyword ? `${decisive.keyword} ${decisive.text}` : decisive.text;
      error ??=
        decisive.error ?? (status === 'undefined' ? 'no step definition matches' : undefined);
    }
  }
  const clauseIds = [
    ...new Set(pickle.tags.map((t) => clauseIdOfTag(t.name)).filter((id) => id !== undefined)),
  ];
  const artefacts = parts.attachments
    .map((a) => /artefacts[^:\n]*:\s*(\S+)\s*$/m.exec(a.text)?.[1])
    .find((dir) => dir !== undefined);
  return {
    id: pickle.id,
    name: pickle.name,
    feature: parts.feature,
    uri: pickle.uri,
    line: parts.line,
    location: `${pickle.uri}:${parts.line}`,
    tags: pickle.tags.map((t) => t.name),
    clauseIds,
    status,
    durationMs:
      started && finished
        ? ms(finished.timestamp) - ms(started.timestamp)
        : steps.reduce((sum, s) => sum + s.durationMs, 0),
    attempts: parts.attempts,
    steps,
    ...(failedStep !== undefined ? { failedStep } : {}),
    ...(error !== undefined ? { error } : {}),
    attachments: parts.attachments,
    ...(artefacts !== undefined ? { artefacts } : {}),
  };
}

function hookText(hook: Envelope['hook']): string {
  if (!hook) return 'hook';
  const kind =
    hook.type === 'BEFORE_TEST_CASE'
      ? 'Before hook'
      : hook.type === 'AFTER_TEST_CASE'
        ? 'After hook'
        : 'hook';
  const name = hook.name ? ` "${hook.name}"` : '';
  const where = hook.sourceReference?.uri
    ? ` (${hook.sourceReference.uri}${hook.sourceReference.location ? `:${hook.sourceReference.location.line}` : ''})`
    : '';
  return `${kind}${name}${where}`;
}

/**
 * - `pass`: no scenario checking the clause failed and at least one passed
 *   (others may have been skipped);
 * - `fail` / `non-strict` / `informational`: a scenario failed (or was
 *   ambiguous) and the clause is MUST / SHOULD / MAY or INFO;
 * - `unimplemented`: its scenarios were all skipped, pending or undefined;
 * - `unchecked`: no scenario in the run tags it.
 */
export const VERDICTS = [
  'pass',
  'fail',
  'non-strict',
  'informational',
  'unimplemented',
  'unchecked',
] as const;
export type Verdict = (typeof VERDICTS)[number];

export interface ClauseVerdict {
  clause: Clause;
  verdict: Verdict;
  /** The scenarios that tag the clause, in run order. */
  scenarios: ScenarioOutcome[];
}

export interface Judgement {
  clauses: ClauseVerdict[];
  /** Scenarios that tag no known clause: they count in no verdict. */
  untagged: ScenarioOutcome[];
  warnings: string[];
}

const FAILING_VERDICT: Record<ClauseLevel, Verdict> = {
  MUST: 'fail',
  SHOULD: 'non-strict',
  MAY: 'informational',
  INFO: 'informational',
};

export const isFailing = (status: ScenarioStatus) => status === 'failed' || status === 'ambiguous';

/** A verdict for every clause of the registry, in registry order. */
export function judgeClauses(
  scenarios: readonly ScenarioOutcome[],
  clauses: readonly Clause[],
): Judgement {
  const known = new Map(clauses.map((c) => [c.id, c]));
  const byClause = new Map<string, ScenarioOutcome[]>();
  const warnings: string[] = [];
  const untagged: ScenarioOutcome[] = [];
  for (const scenario of scenarios) {
    let tagsKnown = false;
    for (const id of scenario.clauseIds) {
      if (!known.has(id)) {
        warnings.push(
          `@${id} on "${scenario.name}" (${scenario.location}) names no clause in the registry`,
        );
        continue;
      }
      tagsKnown = true;
      byClause.set(id, [...(byClause.get(id) ?? []), scenario]);
    }
    if (!tagsKnown) untagged.push(scenario);
  }
  const verdicts = clauses.map((clause): ClauseVerdict => {
    const checking = byClause.get(clause.id) ?? [];
    return { clause, verdict: verdictOf(clause.level, checking), scenarios: checking };
  });
  return { clauses: verdicts, untagged, warnings };
}

function verdictOf(level: ClauseLevel, scenarios: readonly ScenarioOutcome[]): Verdict {
  if (scenarios.length === 0) return 'unchecked';
  if (scenarios.some((s) => isFailing(s.status))) return FAILING_VERDICT[level];
  if (scenarios.some((s) => s.status === 'passed')) return 'pass';
  return 'unimplemented';
}

/** 1 when a MUST clause failed, or in strict mode when a SHOULD clause failed; else 0. */
export function exitCodeFor(
  verdicts: readonly ClauseVerdict[],
  options: { strict: boolean },
): 0 | 1 {
  const failing = verdicts.some(
    (v) => v.verdict === 'fail' || (options.strict && v.verdict === 'non-strict'),
  );
  return failing ? 1 : 0;
}
