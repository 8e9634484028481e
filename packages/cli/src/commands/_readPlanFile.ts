import type { PlanAction, PlanGrant, RemovalPlan } from '@lastswitch/core';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { readUserFile } from './_userFiles.js';

type Json = Record<string, unknown>;

const _isObject = (value: unknown): value is Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

function _time(value: unknown, where: string, path: string): number {
  const at = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(at)) throw new UsageError(`the plan ${path}: ${where} is not an ISO 8601 time`);
  return at;
}

function _grant(raw: unknown, where: string, path: string): PlanGrant {
  if (!_isObject(raw) || typeof raw.resource !== 'string' || typeof raw.status !== 'string') {
    throw new UsageError(`the plan ${path}: ${where} must be an object with resource and status`);
  }
  const { lastSeenAt, ...rest } = raw;
  return {
    ...(rest as unknown as PlanGrant),
    usedRoles: Array.isArray(raw.usedRoles) ? raw.usedRoles.filter((r) => typeof r === 'string') : [],
    source: typeof raw.source === 'string' ? raw.source : '',
    ...(lastSeenAt === undefined ? {} : { lastSeen: _time(lastSeenAt, `${where}.lastSeenAt`, path) }),
  };
}

function _action(raw: unknown, index: number, path: string): PlanAction {
  const where = `actions[${index}]`;
  if (
    !_isObject(raw) ||
    typeof raw.kind !== 'string' ||
    typeof raw.account !== 'string' ||
    typeof raw.summary !== 'string' ||
    !_isObject(raw.principal) ||
    typeof raw.principal.key !== 'string' ||
    typeof raw.principal.name !== 'string' ||
    !Array.isArray(raw.grants)
  ) {
    throw new UsageError(
      `the plan ${path}: ${where} must have kind, account, summary, principal { key, name } and grants`,
    );
  }
  const p = raw.principal;
  return {
    ...(raw as unknown as PlanAction),
    principal: {
      key: p.key as string,
      name: p.name as string,
      kind: (typeof p.kind === 'string' ? p.kind : 'iam-user') as PlanAction['principal']['kind'],
      account: typeof p.account === 'string' ? p.account : '',
      ...(typeof p.arn === 'string' ? { arn: p.arn } : {}),
    },
    grants: raw.grants.map((g, i) => _grant(g, `${where}.grants[${i}]`, path)),
    notes: Array.isArray(raw.notes) ? raw.notes.filter((n) => typeof n === 'string') : [],
  };
}

/**
 * Reads a plan written by `lastswitch plan --format json` (ISO times) back into a `RemovalPlan`,
 * for `report --format html --plan`; anything else is a usage error naming the file.
 */
export async function readPlanFile(path: string, ctx: CliContext): Promise<RemovalPlan> {
  const text = await readUserFile(path, ctx, 'the plan ');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new UsageError(
      `the plan ${path} is not JSON (write it with \`lastswitch plan --format json\`): ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (!_isObject(raw) || raw.dryRun !== true || !Array.isArray(raw.actions) || !_isObject(raw.summary)) {
    throw new UsageError(`the plan ${path} is not a lastswitch plan (write it with \`lastswitch plan --format json\`)`);
  }
  const list = (value: unknown) => (Array.isArray(value) ? value : []);
  return {
    ...(raw as unknown as RemovalPlan),
    generatedAt: _time(raw.generatedAt, 'generatedAt', path),
    actions: raw.actions.map((a, i) => _action(a, i, path)),
    skipped: list(raw.skipped).filter(
      (k): k is RemovalPlan['skipped'][number] =>
        _isObject(k) &&
        typeof k.principal === 'string' &&
        typeof k.resource === 'string' &&
        typeof k.reason === 'string',
    ),
    ineffective: list(raw.ineffective) as RemovalPlan['ineffective'],
    problems: list(raw.problems) as RemovalPlan['problems'],
  };
}
