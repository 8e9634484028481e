import { LastswitchError, PLAN_VERSION, type PlanAction } from '@lastswitch/core';

/** A plan step as the JSON plan file holds it (grant times as ISO text). */
export type PlanFileAction = Omit<PlanAction, 'grants' | 'step'> & {
  step: number;
  grants: { resource: string; usedRoles: string[]; status: string }[];
};

/** What `applyPlan` needs of a JSON plan file written by `lastswitch plan --format json`. */
export interface PlanFile {
  format: 'lastswitch.removal-plan';
  version: number;
  staleAfterDays: number;
  actions: PlanFileAction[];
}

/** A file that is not a JSON removal plan `apply` can use. */
export class PlanFileError extends LastswitchError {
  override name = 'PlanFileError';
}

const _isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks a parsed JSON plan (`lastswitch plan --format json`) and returns it typed; throws `PlanFileError` naming the problem. */
export function parsePlanFile(value: unknown, origin = 'the plan'): PlanFile {
  if (!_isObject(value)) throw new PlanFileError(`${origin} is not a JSON object`);
  if (value.format !== 'lastswitch.removal-plan' || typeof value.version !== 'number') {
    throw new PlanFileError(
      `${origin} is not a lastswitch removal plan of version ${PLAN_VERSION} (make one with \`lastswitch plan --format json --output plan.json\`)`,
    );
  }
  if (value.version !== PLAN_VERSION) {
    throw new PlanFileError(
      `${origin} is a plan of version ${value.version}; this lastswitch applies version ${PLAN_VERSION} plans`,
    );
  }
  if (typeof value.staleAfterDays !== 'number' || !Array.isArray(value.actions)) {
    throw new PlanFileError(`${origin} has no staleAfterDays or actions`);
  }
  const steps = new Set<number>();
  value.actions.forEach((a, i) => {
    const where = `${origin} action ${i + 1}`;
    if (!_isObject(a) || typeof a.kind !== 'string' || typeof a.account !== 'string') {
      throw new PlanFileError(`${where} has no kind or account`);
    }
    if (typeof a.step !== 'number' || !Number.isInteger(a.step) || steps.has(a.step)) {
      throw new PlanFileError(`${where} has no step number or repeats one`);
    }
    steps.add(a.step);
    if (!_isObject(a.principal) || typeof a.principal.key !== 'string' || typeof a.principal.name !== 'string') {
      throw new PlanFileError(`${where} has no principal`);
    }
    if (!Array.isArray(a.grants)) throw new PlanFileError(`${where} has no grants`);
  });
  return value as unknown as PlanFile;
}
