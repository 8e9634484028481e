import { assessStore, type LedgerStore, matchArnPattern, type PairAssessment, type PlanAction } from '@lastswitch/core';
import { type Journal, JournalError, type JournalRecord, type LiveState, type StepResult } from './journal.js';
import type { PlanFile, PlanFileAction } from './planFile.js';
import type { RetryOptions } from './retry.js';
import {
  type ApplyClients,
  type ExecutorContext,
  matchesState,
  StepError,
  type StepExecutor,
  stepExecutor,
} from './stepExecutors.js';

/** What became of one plan step. */
export interface StepOutcome {
  step: number;
  kind: string;
  summary: string;
  /** What it touches, in words (when the step could be read). */
  target?: string;
  outcome:
    | 'applied'
    | 'already-applied'
    | 'would-apply'
    | 'refused'
    | 'failed'
    | 'review'
    | 'not-selected'
    | 'restored'
    | 'already-restored'
    | 'would-restore';
  /** Why it was refused or failed, or a note (e.g. recovered after a crash). */
  reason?: string;
}

/** The result of `applyPlan` / `undoJournal`: one outcome per step, and counts. */
export interface RunResult {
  steps: StepOutcome[];
  /** Steps changed in this run (applied or restored). */
  changed: number;
  refused: number;
  failed: number;
}

/** The ledger re-check: a grant whose pair is active in the ledger at apply time is never removed. */
export interface LedgerCheck {
  store: LedgerStore;
  /** Apply time, epoch ms. */
  now: number;
  /** Days after which a pair is stale; default: the plan's `staleAfterDays`. */
  staleAfterDays?: number;
}

/** Options shared by `applyPlan` and `undoJournal`. */
export interface RunOptions {
  clients: ApplyClients;
  /** Read and check only: change nothing and write no journal. */
  dryRun?: boolean;
  /** Only these step numbers. */
  only?: readonly number[];
  retry?: RetryOptions;
  /** The time written into journal lines; default `new Date()`. */
  clock?: () => Date;
  /** Polls of an Identity Center assignment status (default 60), and the wait between them (default 1000 ms). */
  maxPolls?: number;
  pollDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Called with each outcome as it is known (progress). */
  onStep?: (outcome: StepOutcome) => void;
  /** Test hook: runs after each change, before its `after` line; an error thrown here ends the run like a crash. */
  afterChange?: (step: number) => void | Promise<void>;
}

/** Options of `applyPlan`. */
export interface ApplyPlanOptions extends RunOptions {
  /** The journal (needed unless `dryRun`). */
  journal?: Journal;
  /** The SHA-256 of the plan file and its name, recorded in the journal's first line. */
  plan: { sha256: string; file?: string };
  ledger?: LedgerCheck;
}

const _sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The executor context from run options. */
export function executorContext(options: RunOptions): ExecutorContext {
  const sleep = options.sleep ?? _sleep;
  return {
    clients: options.clients,
    retry: { sleep, ...options.retry },
    maxPolls: options.maxPolls ?? 60,
    pollDelayMs: options.pollDelayMs ?? 1_000,
    sleep,
  };
}

/** One line for an error: its name when it says something, and its message (never credentials: SDK messages hold none). */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const name = error.name && error.name !== 'Error' && error.name !== 'StepError' ? `${error.name}: ` : '';
  return `${name}${error.message}`.split('\n').join(' ');
}

/** The grant patterns a step takes away, and the ones it puts (or leaves) in their place. */
function _removes(action: PlanFileAction): { removed: string[]; kept: string[] } {
  if (action.kind === 'edit-statement' || action.kind === 'remove-statement') {
    return { removed: action.removeResources ?? [], kept: action.addResources ?? [] };
  }
  return { removed: [...new Set(action.grants.flatMap((g) => [g.resource, ...g.usedRoles]))], kept: [] };
}

/** The ledger's active pair that this step would take away, if any. */
function _activeUse(action: PlanFileAction, active: Map<string, PairAssessment[]>): PairAssessment | undefined {
  const { removed, kept } = _removes(action);
  const covers = (patterns: string[], pair: PairAssessment) =>
    patterns.some((p) => matchArnPattern(p, pair.role.arn) || matchArnPattern(p, pair.role.key));
  return (active.get(action.principal.key) ?? []).find((pair) => covers(removed, pair) && !covers(kept, pair));
}

async function _activePairs(ledger: LedgerCheck, staleAfterDays: number): Promise<Map<string, PairAssessment[]>> {
  const assessment = await assessStore(ledger.store, {
    now: ledger.now,
    staleAfterDays: ledger.staleAfterDays ?? staleAfterDays,
  });
  const map = new Map<string, PairAssessment[]>();
  for (const pair of assessment.pairs) {
    if (pair.status !== 'active') continue;
    const list = map.get(pair.principal.key) ?? [];
    list.push(pair);
    map.set(pair.principal.key, list);
  }
  return map;
}

/** The index of the last journal line about `step` of one of `types`, or -1. */
function _lastIndex(records: readonly JournalRecord[], step: number, types: readonly string[]): number {
  for (let i = records.length - 1; i >= 0; i--) {
    const r = records[i] as JournalRecord;
    if (r.type !== 'start' && r.step === step && types.includes(r.type)) return i;
  }
  return -1;
}

/**
 * Throws `JournalError` when `journal` cannot go with the plan whose bytes hash to `sha256`: it was
 * written for another plan, or it has been undone (a dry run would otherwise call its steps done).
 */
export function checkJournalFits(journal: Journal, sha256: string): void {
  const start = journal.start;
  if (start && start.plan.sha256 !== sha256) {
    throw new JournalError(
      `the journal ${journal.path} was written for another plan (sha256 ${start.plan.sha256.slice(0, 12)}…); use a new journal`,
    );
  }
  if (journal.records.some((r) => r.type === 'undo-before' || r.type === 'undo-after')) {
    throw new JournalError(`the journal ${journal.path} has been undone; apply the plan again with a new journal`);
  }
}

/**
 * Applies a removal plan step by step: re-reads the live state of what each step touches and
 * refuses the step when it differs from the plan's recorded prior state; never applies `review`
 * steps; refuses a step whose grant the ledger shows in active use; journals a line before each
 * change and one after it (fsynced). Re-running with the same journal skips what is done, and a
 * step left between `before` and `after` by a crash is settled by reading its live state.
 * A refused or failed step is named and the rest go on.
 *
 * @example
 * ```ts
 * const journal = await Journal.open('plan.journal.jsonl');
 * const result = await applyPlan(parsePlanFile(json), { clients: { iam }, journal, plan: { sha256 } });
 * ```
 */
export async function applyPlan(plan: PlanFile, options: ApplyPlanOptions): Promise<RunResult> {
  const journal = options.journal;
  if (journal) checkJournalFits(journal, options.plan.sha256);
  if (!options.dryRun) {
    if (!journal) throw new JournalError('applying a plan needs a journal');
    if (!journal.start) {
      await journal.append({
        type: 'start',
        journal: 'lastswitch.apply-journal',
        version: 1,
        at: (options.clock?.() ?? new Date()).toISOString(),
        plan: options.plan,
      });
    }
  }
  const ctx = executorContext(options);
  const at = () => (options.clock?.() ?? new Date()).toISOString();
  const active = options.ledger ? await _activePairs(options.ledger, plan.staleAfterDays) : undefined;
  const outcomes: StepOutcome[] = [];
  const report = (outcome: StepOutcome) => {
    outcomes.push(outcome);
    options.onStep?.(outcome);
  };

  for (const action of plan.actions) {
    const base = { step: action.step, kind: action.kind, summary: action.summary };
    if (options.only && !options.only.includes(action.step)) {
      report({ ...base, outcome: 'not-selected' });
      continue;
    }
    if (action.kind === 'review') {
      report({ ...base, outcome: 'review', reason: 'a review step: lastswitch never applies it; a person decides' });
      continue;
    }
    const records = journal?.records ?? [];
    const afterAt = _lastIndex(records, action.step, ['after']);
    const beforeAt = _lastIndex(records, action.step, ['before']);
    const lastAfter = afterAt >= 0 ? (records[afterAt] as Extract<JournalRecord, { type: 'after' }>) : undefined;
    if (lastAfter?.outcome === 'applied' && afterAt > beforeAt) {
      report({ ...base, outcome: 'already-applied', reason: `applied at ${lastAfter.at} (journal)` });
      continue;
    }
    const pending = beforeAt > afterAt ? (records[beforeAt] as Extract<JournalRecord, { type: 'before' }>) : undefined;

    const refuse = async (reason: string, target?: string) => {
      if (!options.dryRun)
        await journal?.append({ type: 'after', step: action.step, at: at(), outcome: 'refused', reason });
      report({ ...base, ...(target ? { target } : {}), outcome: 'refused', reason });
    };
    const fail = async (reason: string, target?: string) => {
      if (!options.dryRun)
        await journal?.append({ type: 'after', step: action.step, at: at(), outcome: 'failed', reason });
      report({ ...base, ...(target ? { target } : {}), outcome: 'failed', reason });
    };

    let executor: StepExecutor;
    try {
      executor = stepExecutor(action as unknown as PlanAction, ctx);
    } catch (error) {
      if (error instanceof StepError) {
        await refuse(error.message);
        continue;
      }
      throw error;
    }
    const target = executor.target;
    const use = active ? _activeUse(action, active) : undefined;
    if (use && !pending) {
      await refuse(
        `the ledger shows ${action.principal.name} switching into ${use.role.arn} ${use.daysSince ?? 0} days ago (active): the grant is in use`,
        target,
      );
      continue;
    }

    let live: LiveState;
    try {
      live = await executor.read();
    } catch (error) {
      await fail(`could not read ${target}: ${describeError(error)}`, target);
      continue;
    }
    if (pending && matchesState(live, pending.intended) && !matchesState(live, pending.prior)) {
      // A crash after the change and before its `after` line: the live state shows the change was made.
      const result: StepResult = {
        ...(live.versionId && pending.intended.document !== undefined && action.policy?.arn
          ? { createdVersionId: live.versionId }
          : {}),
        ...(pending.deleteVersion ? { deletedVersionId: pending.deleteVersion.versionId } : {}),
      };
      if (!options.dryRun) {
        await journal?.append({
          type: 'after',
          step: action.step,
          at: at(),
          outcome: 'applied',
          result,
          recovered: true,
        });
      }
      report({
        ...base,
        target,
        outcome: 'already-applied',
        reason: 'the journal had no outcome (interrupted run); the live state shows it applied',
      });
      continue;
    }
    if (!matchesState(live, executor.prior)) {
      await refuse(
        `the live state of ${target} differs from the plan's recorded prior state (changed since the plan was made)`,
        target,
      );
      continue;
    }
    if (options.dryRun) {
      report({ ...base, target, outcome: 'would-apply' });
      continue;
    }

    let result: StepResult;
    try {
      result = await executor.apply(live, async (extra) => {
        await journal?.append({
          type: 'before',
          step: action.step,
          kind: action.kind,
          at: at(),
          target,
          action: _withoutGrants(action),
          prior: live,
          intended: executor.intended,
          ...extra,
        });
      });
    } catch (error) {
      await fail(`${target}: ${describeError(error)}`, target);
      continue;
    }
    await options.afterChange?.(action.step);
    await journal?.append({ type: 'after', step: action.step, at: at(), outcome: 'applied', result });
    report({ ...base, target, outcome: 'applied' });
  }
  return summarizeRun(outcomes);
}

function _withoutGrants(action: PlanFileAction): Omit<PlanAction, 'grants'> {
  const { grants: _grants, ...rest } = action;
  return rest;
}

/** Counts a run's outcomes. */
export function summarizeRun(steps: StepOutcome[]): RunResult {
  return {
    steps,
    changed: steps.filter((s) => s.outcome === 'applied' || s.outcome === 'restored').length,
    refused: steps.filter((s) => s.outcome === 'refused').length,
    failed: steps.filter((s) => s.outcome === 'failed').length,
  };
}
