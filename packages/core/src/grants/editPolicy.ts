import type { PolicyDocument } from './snapshot.js';

type Loose = Record<string, unknown>;

const _isObject = (value: unknown): value is Loose =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The document's statements as a list (a single statement object becomes a one-item list). */
function _statements(document: PolicyDocument): unknown[] {
  const raw = document.Statement;
  return Array.isArray(raw) ? [...raw] : raw === undefined ? [] : [raw];
}

/** A string list written back the way IAM shows it: one value as a string, several as a list. */
function _list(values: string[], wasString: boolean): string | string[] {
  return values.length === 1 && wasString ? (values[0] as string) : values;
}

/**
 * The document with statement `index`'s `Resource` list changed: `remove` taken out, `add` put in
 * (no duplicates). When nothing would remain, the statement itself is removed. Returns `undefined`
 * when the statement is missing or has no `Resource` list.
 */
export function editStatementResources(
  document: PolicyDocument,
  index: number,
  remove: readonly string[],
  add: readonly string[] = [],
): PolicyDocument | undefined {
  const statements = _statements(document);
  const statement = statements[index];
  if (!_isObject(statement)) return undefined;
  const raw = statement.Resource;
  const resources = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : undefined;
  if (!resources?.every((r) => typeof r === 'string')) return undefined;
  const kept = (resources as string[]).filter((r) => !remove.includes(r));
  for (const r of add) if (!kept.includes(r)) kept.push(r);
  if (kept.length === 0) return removeStatement(document, index);
  statements[index] = { ...statement, Resource: _list(kept, typeof raw === 'string') };
  return { ...document, Statement: statements };
}

/** The document without statement `index`; `undefined` when there is no such statement. */
export function removeStatement(document: PolicyDocument, index: number): PolicyDocument | undefined {
  const statements = _statements(document);
  if (index < 0 || index >= statements.length) return undefined;
  statements.splice(index, 1);
  return { ...document, Statement: statements };
}

/**
 * The trust policy with `principals` (ARNs, unique ids) taken out of statement `index`'s
 * `Principal.AWS`; a statement left naming nobody is removed. `undefined` when the statement has
 * no `Principal.AWS` naming any of them.
 */
export function removeTrustPrincipals(
  document: PolicyDocument,
  index: number,
  principals: readonly string[],
): PolicyDocument | undefined {
  const statements = _statements(document);
  const statement = statements[index];
  if (!_isObject(statement) || !_isObject(statement.Principal)) return undefined;
  const principal = statement.Principal;
  const raw = principal.AWS;
  const aws = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : undefined;
  if (!aws?.every((p) => typeof p === 'string')) return undefined;
  const kept = (aws as string[]).filter((p) => !principals.includes(p));
  if (kept.length === aws.length) return undefined;
  if (kept.length === 0) {
    const { AWS: _gone, ...rest } = principal;
    if (Object.keys(rest).length === 0) return removeStatement(document, index);
    statements[index] = { ...statement, Principal: rest };
  } else {
    statements[index] = { ...statement, Principal: { ...principal, AWS: _list(kept, typeof raw === 'string') } };
  }
  return { ...document, Statement: statements };
}

/** True when the document has at least one statement. */
export function hasStatements(document: PolicyDocument): boolean {
  return _statements(document).length > 0;
}

/** JSON with object keys sorted at every level: two documents are the same policy when these are equal. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (_isObject(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
