import type { PlanAction } from '@lastswitch/core';
import {
  describeError,
  executorContext,
  type RunOptions,
  type RunResult,
  type StepOutcome,
  summarizeRun,
} from './applyPlan.js';
import type { Journal, JournalRecord, LiveState } from './journal.js';
import { matchesState, StepError, type StepExecutor, stepExecutor } from './stepExecutors.js';

type Before = Extract<JournalRecord, { type: 'before' }>;
type After = Extract<JournalRecord, { type: 'after' }>;

/** The steps a journal shows applied (a `before` followed by an `applied` outcome), most recent last. */
function _applied(records: readonly JournalRecord[]): { before: Before; after: After }[] {
  const out: { before: Before; after: After }[] = [];
  const open = new Map<number, Before>();
  for (const r of records) {
    if (r.type === 'before') open.set(r.step, r);
    else if (r.type === 'after' && r.outcome === 'applied') {
      const before = open.get(r.step);
      if (before) out.push({ before, after: r });
      open.delete(r.step);
    }
  }
  return out;
}

/**
 * Undoes what a journal shows applied, in reverse order: each step is restored to the prior
 * state journaled before its change, after checking that its live state is still what apply left
 * (refused, named, otherwise). Undo lines go to the same journal, so a second run skips what is
 * already restored and a crash mid-undo is settled by reading the live state.
 *
 * @example
 * ```ts
 * const result = await undoJournal(await Journal.open('plan.journal.jsonl'), { clients: { iam } });
 * ```
 */
export async function undoJournal(journal: Journal, options: RunOptions): Promise<RunResult> {
  const ctx = executorContext(options);
  const at = () => (options.clock?.() ?? new Date()).toISOString();
  const outcomes: StepOutcome[] = [];
  const report = (outcome: StepOutcome) => {
    outcomes.push(outcome);
    options.onStep?.(outcome);
  };
  for (const { before, after } of _applied(journal.records).reverse()) {
    const step = before.step;
    const base = { step, kind: before.kind, summary: before.action.summary, target: before.target };
    if (options.only && !options.only.includes(step)) {
      report({ ...base, outcome: 'not-selected' });
      continue;
    }
    const lastUndo = journal.last(step, 'undo-after');
    const lastUndoBefore = journal.last(step, 'undo-before');
    const pending =
      lastUndoBefore && journal.records.indexOf(lastUndoBefore) > journal.records.indexOf(lastUndo as JournalRecord);
    if (lastUndo?.outcome === 'restored' && !pending) {
      report({ ...base, outcome: 'already-restored', reason: `restored at ${lastUndo.at} (journal)` });
      continue;
    }
    const refuse = async (reason: string) => {
      if (!options.dryRun) await journal.append({ type: 'undo-after', step, at: at(), outcome: 'refused', reason });
      report({ ...base, outcome: 'refused', reason });
    };
    const fail = async (reason: string) => {
      if (!options.dryRun) await journal.append({ type: 'undo-after', step, at: at(), outcome: 'failed', reason });
      report({ ...base, outcome: 'failed', reason });
    };
    let executor: StepExecutor;
    try {
      executor = stepExecutor({ ...before.action, grants: [] } as PlanAction, ctx);
    } catch (error) {
      if (error instanceof StepError) {
        await refuse(error.message);
        continue;
      }
      throw error;
    }
    // What apply left: the intended state, and for a managed policy the version it created.
    const left: LiveState = {
      ...before.intended,
      ...(after.result?.createdVersionId ? { versionId: after.result.createdVersionId } : {}),
    };
    let live: LiveState;
    try {
      live = await executor.read();
    } catch (error) {
      await fail(`could not read ${before.target}: ${describeError(error)}`);
      continue;
    }
    if (pending && matchesState(live, before.prior) && !matchesState(live, left)) {
      if (!options.dryRun)
        await journal.append({ type: 'undo-after', step, at: at(), outcome: 'restored', recovered: true });
      report({
        ...base,
        outcome: 'already-restored',
        reason: 'the journal had no outcome (interrupted undo); the live state shows it restored',
      });
      continue;
    }
    if (!matchesState(live, left)) {
      await refuse(`the live state of ${before.target} changed since lastswitch applied the step`);
      continue;
    }
    if (options.dryRun) {
      report({ ...base, outcome: 'would-restore' });
      continue;
    }
    try {
      await journal.append({ type: 'undo-before', step, at: at(), target: before.target, live, restore: before.prior });
      const result = await executor.restore(before.prior, after.result, before.deleteVersion);
      await options.afterChange?.(step);
      await journal.append({ type: 'undo-after', step, at: at(), outcome: 'restored', result });
      report({ ...base, outcome: 'restored' });
    } catch (error) {
      await fail(`${before.target}: ${describeError(error)}`);
    }
  }
  return summarizeRun(outcomes);
}
