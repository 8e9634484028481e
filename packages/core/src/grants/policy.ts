import { matchGlob } from './glob.js';
import type { PolicyDocument } from './snapshot.js';

/** One policy statement, checked and normalised (single values become lists). */
export interface PolicyStatement {
  /** Position in the document's `Statement` list (0-based). */
  index: number;
  sid?: string;
  effect: 'Allow' | 'Deny';
  actions?: string[];
  notActions?: string[];
  resources?: string[];
  notResources?: string[];
  /** `Principal` (trust policies): `*`, or AWS principals (ARNs, account ids, unique ids). */
  principals?: PrincipalSet;
  notPrincipals?: PrincipalSet;
  /** True when the statement has a `Condition` (never evaluated by lastswitch). */
  conditional: boolean;
}

/** A `Principal` element: `any` for `"*"` / `{"AWS":"*"}`, plus the AWS principals listed. */
export interface PrincipalSet {
  any: boolean;
  aws: string[];
}

/** The result of reading a document's statements: the good ones, and why the others were skipped. */
export interface StatementList {
  statements: PolicyStatement[];
  problems: string[];
}

function _strings(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  return undefined;
}

function _principals(value: unknown): PrincipalSet | undefined {
  if (value === '*') return { any: true, aws: [] };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const aws = (value as Record<string, unknown>).AWS;
  if (aws === undefined) return { any: false, aws: [] }; // Service / Federated / CanonicalUser only
  const list = _strings(aws);
  if (!list) return undefined;
  return { any: list.includes('*'), aws: list.filter((p) => p !== '*') };
}

/** Reads the `Statement` element of a policy document; a malformed statement is skipped with a reason. */
export function readStatements(document: PolicyDocument): StatementList {
  const raw = document.Statement;
  const list: unknown[] = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  const statements: PolicyStatement[] = [];
  const problems: string[] = [];
  if (raw === undefined) problems.push('document has no Statement');
  list.forEach((value, index) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push(`statement ${index} is not an object`);
      return;
    }
    const s = value as Record<string, unknown>;
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') {
      problems.push(`statement ${index} has Effect ${JSON.stringify(s.Effect)}; expected "Allow" or "Deny"`);
      return;
    }
    const statement: PolicyStatement = { index, effect: s.Effect, conditional: s.Condition !== undefined };
    if (typeof s.Sid === 'string' && s.Sid !== '') statement.sid = s.Sid;
    const fields = [
      ['Action', 'actions'],
      ['NotAction', 'notActions'],
      ['Resource', 'resources'],
      ['NotResource', 'notResources'],
    ] as const;
    for (const [field, key] of fields) {
      if (s[field] === undefined) continue;
      const strings = _strings(s[field]);
      if (!strings) {
        problems.push(`statement ${index} has a ${field} that is not a string or list of strings`);
        return;
      }
      statement[key] = strings;
    }
    for (const [field, key] of [
      ['Principal', 'principals'],
      ['NotPrincipal', 'notPrincipals'],
    ] as const) {
      if (s[field] === undefined) continue;
      const set = _principals(s[field]);
      if (!set) {
        problems.push(`statement ${index} has a ${field} lastswitch cannot read`);
        return;
      }
      statement[key] = set;
    }
    if (!statement.actions && !statement.notActions) {
      problems.push(`statement ${index} has neither Action nor NotAction`);
      return;
    }
    statements.push(statement);
  });
  return { statements, problems };
}

/** True when `action` (e.g. `sts:AssumeRole`) is among the statement's actions (case-insensitive, wildcards). */
export function statementCoversAction(statement: PolicyStatement, action: string): boolean {
  const wanted = action.toLowerCase();
  const matches = (patterns: string[]) => patterns.some((p) => matchGlob(p.toLowerCase(), wanted));
  if (statement.actions) return matches(statement.actions);
  return !matches(statement.notActions ?? []);
}
