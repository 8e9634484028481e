import { principalRefFromArn, roleRefFromArn } from '../arn.js';
import type { PrincipalRef, RoleRef } from '../model.js';
import { hasWildcard, matchArnPattern, matchGlob, patternCanMatchRole, patternCovers } from './glob.js';
import { type PolicyStatement, readStatements, statementCoversAction } from './policy.js';
import type { AuthorizationSnapshot, PolicyDocument, SnapshotRole, SnapshotUser } from './snapshot.js';

/** Where a grant's policy is attached. */
export type GrantSourceKind = 'user-inline' | 'user-managed' | 'group-inline' | 'group-managed' | 'trust-policy';

/** Where a grant comes from: which statement of which policy, reached how. */
export interface GrantSource {
  kind: GrantSourceKind;
  /** The account the policy lives in. */
  account: string;
  /** Inline policy name, or the managed policy's name. */
  policyName: string;
  /** The managed policy ARN (`*-managed` kinds). */
  policyArn?: string;
  /** The managed policy's default version the statement was read from. */
  versionId?: string;
  /** The user, group or role whose inline policy (or trust policy) it is. */
  owner?: string;
  /** The group the principal is in, for `group-*` kinds. */
  group?: string;
  /** Position of the statement in the policy (0-based). */
  statementIndex: number;
  sid?: string;
}

/** One principal's permission to assume one role, or any role matching a pattern. */
export interface Grant {
  /** Stable id: principal, source and resource. */
  id: string;
  /** An IAM user (key path-insensitive, `arn` with path). */
  principal: PrincipalRef;
  /** The user's unique id (`AIDA…`). */
  principalId: string;
  /** When the user was created, epoch ms (the start of its grace period). */
  principalCreatedAt: number;
  /** The role ARN or ARN pattern exactly as the statement writes it. */
  resource: string;
  /** True when `resource` has `*` or `?`. */
  wildcard: boolean;
  /** Role patterns carved out of `resource` (Deny statements, `NotResource`). */
  excludes: string[];
  /** Each list is a further constraint: the role must match one of its patterns (boundaries, Deny+NotResource). */
  within: string[][];
  /**
   * The concrete roles the grant reaches and whose trust policy accepts the principal, when the
   * target account's snapshot was given. For a pattern spanning accounts without a snapshot,
   * only the roles of the accounts that had one.
   */
  roles?: RoleRef[];
  /** True when an Allow (identity or trust) that the grant depends on has a `Condition` (not evaluated). */
  conditional: boolean;
  /** Caveats, e.g. "granted through NotAction", "narrowed by permissions boundary". */
  notes: string[];
  source: GrantSource;
  /** The statement's action and resource lists as written, so a plan can tell what else an edit would change. */
  statement: StatementScope;
}

/** The action and resource lists of the statement a grant comes from. */
export interface StatementScope {
  actions?: string[];
  notActions?: string[];
  resources?: string[];
  notResources?: string[];
}

function _scope(statement: PolicyStatement): StatementScope {
  const scope: StatementScope = {};
  if (statement.actions) scope.actions = [...statement.actions];
  if (statement.notActions) scope.notActions = [...statement.notActions];
  if (statement.resources) scope.resources = [...statement.resources];
  if (statement.notResources) scope.notResources = [...statement.notResources];
  return scope;
}

/** Why a grant that a statement writes was found not to be effective. */
export type DropReason = 'deny' | 'boundary' | 'trust' | 'no-such-role';

/** A grant written in a policy but removed by the evaluation, with the reason. */
export interface DroppedGrant {
  grant: Grant;
  reason: DropReason;
  detail: string;
}

/** Something in a snapshot the evaluation could not read; the rest was still evaluated. */
export interface GrantProblem {
  account: string;
  entity: string;
  message: string;
}

/** The result of `grantsFromSnapshot`. */
export interface GrantEvaluation {
  grants: Grant[];
  dropped: DroppedGrant[];
  problems: GrantProblem[];
  /** The accounts whose snapshots were evaluated. */
  accounts: string[];
}

const ASSUME_ROLE = 'sts:AssumeRole';

interface PolicySource {
  source: Omit<GrantSource, 'statementIndex' | 'sid'>;
  document: PolicyDocument;
}

interface DenyRule {
  statement: PolicyStatement;
  label: string;
}

function _label(source: Omit<GrantSource, 'statementIndex' | 'sid'>, statement: PolicyStatement): string {
  const where = source.policyArn ?? `${source.owner} inline policy ${source.policyName}`;
  return `${where} statement ${statement.sid ?? `#${statement.index}`}`;
}

/** True when the grant (pattern, excludes, within) covers the role ARN (with its path). */
export function grantMatchesRole(grant: Pick<Grant, 'resource' | 'excludes' | 'within'>, roleArn: string): boolean {
  if (!matchArnPattern(grant.resource, roleArn)) return false;
  if (grant.excludes.some((p) => matchArnPattern(p, roleArn))) return false;
  return grant.within.every((list) => list.some((p) => matchArnPattern(p, roleArn)));
}

/** The principals a trust statement names that match the user (ARN, unique id, account root or id). */
function _principalMatches(set: { any: boolean; aws: string[] }, user: SnapshotUser, account: string): boolean {
  if (set.any) return true;
  const partition = user.arn.split(':', 2)[1] ?? 'aws';
  return set.aws.some(
    (p) => p === user.arn || p === user.id || p === account || p === `arn:${partition}:iam::${account}:root`,
  );
}

type TrustVerdict = { trusted: true; conditional: boolean } | { trusted: false; detail: string };

function _trusts(role: SnapshotRole, statements: PolicyStatement[], user: SnapshotUser, account: string): TrustVerdict {
  let allow: PolicyStatement | undefined;
  for (const s of statements) {
    if (!statementCoversAction(s, ASSUME_ROLE)) continue;
    // NotPrincipal is only meaningful with Deny (IAM refuses it with Allow in a trust policy).
    const named = s.principals
      ? _principalMatches(s.principals, user, account)
      : s.notPrincipals && s.effect === 'Deny'
        ? !_principalMatches(s.notPrincipals, user, account)
        : false;
    if (!named) continue;
    if (s.effect === 'Deny' && !s.conditional) {
      return { trusted: false, detail: `trust policy of ${role.arn} denies it (statement ${s.index})` };
    }
    // The first unconditional Allow, else a conditional one.
    if (s.effect === 'Allow' && (!allow || allow.conditional)) allow = s;
  }
  if (!allow) return { trusted: false, detail: `trust policy of ${role.arn} does not trust ${user.arn}` };
  return { trusted: true, conditional: allow.conditional };
}

function _isRoleArn(text: string): boolean {
  try {
    roleRefFromArn(text);
  } catch {
    return false;
  }
  return true;
}

function _grantId(principal: PrincipalRef, source: GrantSource, resource: string): string {
  const policy = source.policyArn ?? `${source.kind}:${source.owner}:${source.policyName}`;
  return `${principal.key}|${source.group ?? ''}|${policy}|${source.statementIndex}|${resource}`;
}

/**
 * Evaluates IAM snapshots into grants: which users may assume which roles, and why.
 * Identity side: Allow statements covering `sts:AssumeRole` in user and group policies, minus
 * explicit Denies, within permissions boundaries; conditions are flagged, not evaluated. Role
 * side, for accounts whose snapshot is given: the trust policy must accept the user.
 */
export function grantsFromSnapshot(
  snapshots: AuthorizationSnapshot | readonly AuthorizationSnapshot[],
): GrantEvaluation {
  const list = Array.isArray(snapshots) ? snapshots : [snapshots as AuthorizationSnapshot];
  const problems: GrantProblem[] = [];
  const byAccount = new Map<string, AuthorizationSnapshot>();
  for (const snapshot of list) {
    const previous = byAccount.get(snapshot.account);
    if (previous) {
      problems.push({
        account: snapshot.account,
        entity: 'snapshot',
        message: 'more than one snapshot of this account; using the newest',
      });
      if (previous.takenAt >= snapshot.takenAt) continue;
    }
    byAccount.set(snapshot.account, snapshot);
  }
  for (const snapshot of byAccount.values()) {
    for (const p of snapshot.problems) problems.push({ account: snapshot.account, ...p });
  }

  const trustCache = new Map<SnapshotRole, PolicyStatement[]>();
  const trustStatements = (account: string, role: SnapshotRole): PolicyStatement[] => {
    let statements = trustCache.get(role);
    if (!statements) {
      const read = readStatements(role.trustPolicy);
      for (const message of read.problems)
        problems.push({ account, entity: `role ${role.name} trust policy`, message });
      statements = read.statements;
      trustCache.set(role, statements);
    }
    return statements;
  };

  const grants: Grant[] = [];
  const dropped: DroppedGrant[] = [];
  const users = new Map<string, SnapshotUser>();

  for (const snapshot of byAccount.values()) {
    const account = snapshot.account;
    const policies = new Map(snapshot.policies.map((p) => [p.arn, p]));
    const groups = new Map(snapshot.groups.map((g) => [g.name, g]));
    const problem = (entity: string, message: string) => problems.push({ account, entity, message });

    // Which Allow trust statements name a principal (ARN or unique id) explicitly, by that name.
    const trustNaming = new Map<string, { role: SnapshotRole; statement: PolicyStatement }[]>();
    for (const role of snapshot.roles) {
      for (const statement of trustStatements(account, role)) {
        if (statement.effect !== 'Allow' || !statement.principals) continue;
        if (!statementCoversAction(statement, ASSUME_ROLE)) continue;
        const entry = { role, statement };
        for (const name of new Set(statement.principals.aws)) {
          const list = trustNaming.get(name) ?? [];
          list.push(entry);
          trustNaming.set(name, list);
        }
      }
    }

    // A shared (group or managed) document's problems are reported once, not once per member.
    const seenDocuments = new Set<PolicyDocument>();
    const managed = (arn: string, entity: string) => {
      const policy = policies.get(arn);
      if (!policy) problem(entity, `managed policy ${arn} is not in the snapshot; its statements were not evaluated`);
      return policy;
    };

    for (const user of snapshot.users) {
      let principal: PrincipalRef;
      try {
        principal = principalRefFromArn(user.arn);
      } catch (cause) {
        problem(`user ${user.name}`, `unreadable ARN: ${(cause as Error).message}`);
        continue;
      }
      users.set(principal.key, user);
      const entity = `user ${user.name}`;
      const sources: PolicySource[] = [];
      for (const inline of user.inlinePolicies) {
        sources.push({
          source: { kind: 'user-inline', account, policyName: inline.name, owner: user.name },
          document: inline.document,
        });
      }
      for (const arn of user.attachedPolicies) {
        const policy = managed(arn, entity);
        if (policy) {
          sources.push({
            source: {
              kind: 'user-managed',
              account,
              policyName: policy.name,
              policyArn: arn,
              versionId: policy.defaultVersionId,
            },
            document: policy.document,
          });
        }
      }
      for (const name of user.groups) {
        const group = groups.get(name);
        if (!group) {
          problem(entity, `group ${name} is not in the snapshot; its policies were not evaluated`);
          continue;
        }
        for (const inline of group.inlinePolicies) {
          sources.push({
            source: { kind: 'group-inline', account, policyName: inline.name, owner: name, group: name },
            document: inline.document,
          });
        }
        for (const arn of group.attachedPolicies) {
          const policy = managed(arn, `group ${name}`);
          if (policy) {
            sources.push({
              source: {
                kind: 'group-managed',
                account,
                policyName: policy.name,
                policyArn: arn,
                versionId: policy.defaultVersionId,
                group: name,
              },
              document: policy.document,
            });
          }
        }
      }

      const allows: Grant[] = [];
      const denies: DenyRule[] = [];
      const make = (
        source: GrantSource,
        statement: PolicyStatement,
        resource: string,
        extra: Partial<Grant> = {},
      ): Grant => ({
        id: _grantId(principal, source, resource),
        principal,
        principalId: user.id,
        principalCreatedAt: user.createdAt,
        resource,
        wildcard: hasWildcard(resource),
        excludes: [],
        within: [],
        // Stryker disable next-line BooleanLiteral: every caller passes `conditional`
        conditional: false,
        notes: [],
        source,
        statement: _scope(statement),
        ...extra,
      });
      for (const { source, document } of sources) {
        const read = readStatements(document);
        const firstSeen = !seenDocuments.has(document);
        if (firstSeen) {
          seenDocuments.add(document);
          const where = source.policyArn ?? `${source.owner} inline policy ${source.policyName}`;
          for (const message of read.problems) problem(where, message);
        }
        for (const statement of read.statements) {
          if (!statementCoversAction(statement, ASSUME_ROLE)) continue;
          if (statement.effect === 'Deny') {
            denies.push({ statement, label: _label(source, statement) });
            continue;
          }
          const full: GrantSource = {
            ...source,
            statementIndex: statement.index,
            ...(statement.sid ? { sid: statement.sid } : {}),
          };
          const notes = statement.notActions
            ? ['granted through NotAction (everything except the listed actions)']
            : [];
          if (statement.resources) {
            for (const resource of statement.resources) {
              if (!patternCanMatchRole(resource)) continue;
              if (!hasWildcard(resource) && !_isRoleArn(resource)) {
                if (firstSeen) problem(_label(source, statement), `${resource} is not a valid role ARN; skipped`);
                continue;
              }
              allows.push(make(full, statement, resource, { conditional: statement.conditional, notes: [...notes] }));
            }
          } else if (statement.notResources) {
            allows.push(
              make(full, statement, '*', {
                excludes: [...statement.notResources],
                conditional: statement.conditional,
                notes: [...notes, 'granted through NotResource (every role except the listed ones)'],
              }),
            );
          } else if (firstSeen) {
            problem(_label(source, statement), 'Allow statement has neither Resource nor NotResource; skipped');
          }
        }
      }

      // Same-account trust policies that name the user itself grant the role without any identity policy.
      const named = [...(trustNaming.get(user.arn) ?? []), ...(user.id ? (trustNaming.get(user.id) ?? []) : [])];
      for (const { role, statement: s } of new Set(named)) {
        allows.push(
          make(
            {
              kind: 'trust-policy',
              account,
              policyName: 'trust policy',
              owner: role.name,
              statementIndex: s.index,
              ...(s.sid ? { sid: s.sid } : {}),
            },
            s,
            role.arn,
            { conditional: s.conditional },
          ),
        );
      }

      const kept = _applyDenies(allows, denies, 'deny', dropped);
      grants.push(..._applyBoundary(kept, user, policies, problem, dropped));
    }
  }

  const arnIndex = new Map<AuthorizationSnapshot, Map<string, SnapshotRole[]>>();
  const rolesByArn = (target: AuthorizationSnapshot): Map<string, SnapshotRole[]> => {
    let index = arnIndex.get(target);
    if (!index) {
      index = new Map();
      for (const role of target.roles) {
        const list = index.get(role.arn) ?? [];
        list.push(role);
        index.set(role.arn, list);
      }
      arnIndex.set(target, index);
    }
    return index;
  };

  const roleRefs = new Map<SnapshotRole, RoleRef | undefined>();
  const roleRef = (account: string, role: SnapshotRole): RoleRef | undefined => {
    if (roleRefs.has(role)) return roleRefs.get(role);
    let ref: RoleRef | undefined;
    try {
      ref = roleRefFromArn(role.arn);
    } catch (cause) {
      problems.push({ account, entity: `role ${role.name}`, message: (cause as Error).message });
    }
    roleRefs.set(role, ref);
    return ref;
  };

  const sortedIndex = new Map<AuthorizationSnapshot, SnapshotRole[]>();
  const sortedRoles = (target: AuthorizationSnapshot): SnapshotRole[] => {
    let sorted = sortedIndex.get(target);
    if (!sorted) {
      sorted = [...target.roles].sort((a, b) => (a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0));
      sortedIndex.set(target, sorted);
    }
    return sorted;
  };

  // Role side: when the target account's snapshot is known, the trust policy must accept the user.
  const result: Grant[] = [];
  for (const grant of grants) {
    const user = users.get(grant.principal.key);
    if (!user || grant.source.kind === 'trust-policy') {
      result.push(grant);
      continue;
    }
    const accountPattern = grant.resource.split(':', 5)[4] ?? '*';
    const targets = [...byAccount.values()].filter((s) => matchGlob(accountPattern, s.account));
    if (targets.length === 0) {
      result.push(grant);
      continue;
    }
    const closed = !hasWildcard(accountPattern);
    const reachable: RoleRef[] = [];
    const rejected: string[] = [];
    let conditionalTrust = false;
    for (const target of targets) {
      // An exact grant names one ARN (with path): look it up instead of scanning every role.
      // A pattern can only match ARNs that start with its literal prefix: binary-search that range.
      const candidates = grant.wildcard
        ? _withPrefix(sortedRoles(target), _literalPrefix(grant.resource))
        : (rolesByArn(target).get(grant.resource) ?? []);
      for (const role of candidates) {
        if (!grantMatchesRole(grant, role.arn)) continue;
        const verdict = _trusts(role, trustStatements(target.account, role), user, grant.principal.account);
        if (!verdict.trusted) {
          rejected.push(verdict.detail);
          continue;
        }
        conditionalTrust ||= verdict.conditional;
        const ref = roleRef(target.account, role);
        if (ref) reachable.push(ref);
      }
    }
    if (closed && reachable.length === 0) {
      dropped.push({
        grant,
        reason: rejected.length > 0 ? 'trust' : 'no-such-role',
        detail:
          rejected.length > 0
            ? rejected.join('; ')
            : `no role in account ${accountPattern} matches ${grant.resource} (role ARNs include their path)`,
      });
      continue;
    }
    const notes = [...grant.notes];
    if (conditionalTrust) notes.push('a trust policy accepts the principal only under a condition (not evaluated)');
    if (!closed) notes.push('roles listed only for the accounts whose snapshot was given');
    result.push({ ...grant, roles: reachable, notes });
  }

  return { grants: result, dropped, problems, accounts: [...byAccount.keys()] };
}

/** The pattern up to its first wildcard (it has one). */
function _literalPrefix(pattern: string): string {
  return pattern.slice(0, pattern.search(/[*?]/));
}

/** The roles (sorted by ARN) whose ARN starts with `prefix`. */
function _withPrefix(sorted: SnapshotRole[], prefix: string): SnapshotRole[] {
  // Stryker disable next-line all: a fast path; the search below gives the same list for ''
  if (prefix === '') return sorted;
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    // Stryker disable next-line OptionalChaining,StringLiteral: `mid` is always in range
    if ((sorted[mid]?.arn ?? '') < prefix) lo = mid + 1;
    else hi = mid;
  }
  let end = lo;
  while (sorted[end]?.arn.startsWith(prefix)) end++;
  // Stryker disable next-line MethodExpression: more candidates only; grantMatchesRole checks each
  return sorted.slice(lo, end);
}

/** Applies Deny statements: a covering Deny drops the grant; a partial one is carved out of a pattern. */
function _applyDenies(allows: Grant[], denies: DenyRule[], reason: DropReason, dropped: DroppedGrant[]): Grant[] {
  const kept: Grant[] = [];
  for (const grant of allows) {
    let removedBy: string | undefined;
    for (const { statement, label } of denies) {
      if (statement.conditional) {
        const touches = (statement.resources ?? ['*']).some((r) => patternCanMatchRole(r));
        if (touches) grant.notes.push(`${label} may deny it under a condition (not evaluated)`);
        continue;
      }
      if (statement.resources) {
        if (statement.resources.some((r) => patternCovers(r, grant.resource))) {
          removedBy = label;
          break;
        }
        if (grant.wildcard) grant.excludes.push(...statement.resources.filter((r) => patternCanMatchRole(r)));
      } else if (statement.notResources) {
        const spared = statement.notResources;
        if (spared.some((r) => patternCovers(r, grant.resource))) continue;
        if (!grant.wildcard) {
          removedBy = label;
          break;
        }
        grant.within.push([...spared]);
      }
    }
    if (removedBy) dropped.push({ grant, reason, detail: `explicitly denied by ${removedBy}` });
    else kept.push(grant);
  }
  return kept;
}

/** Intersects grants with the user's permissions boundary, when it has one. */
function _applyBoundary(
  grants: Grant[],
  user: SnapshotUser,
  policies: Map<string, AuthorizationSnapshot['policies'][number]>,
  problem: (entity: string, message: string) => void,
  dropped: DroppedGrant[],
): Grant[] {
  if (!user.permissionsBoundary || grants.length === 0) return grants;
  const boundary = policies.get(user.permissionsBoundary);
  if (!boundary) {
    problem(
      `user ${user.name}`,
      `permissions boundary ${user.permissionsBoundary} is not in the snapshot; not applied`,
    );
    for (const grant of grants) grant.notes.push('permissions boundary not in the snapshot, not applied');
    return grants;
  }
  const read = readStatements(boundary.document);
  for (const message of read.problems) problem(boundary.arn, message);
  const relevant = read.statements.filter((s) => statementCoversAction(s, ASSUME_ROLE));
  const allowed = relevant.filter((s) => s.effect === 'Allow');
  const denies = relevant
    .filter((s) => s.effect === 'Deny')
    .map((statement) => ({
      statement,
      label: `permissions boundary ${boundary.arn} statement ${statement.sid ?? `#${statement.index}`}`,
    }));
  const patterns = allowed.flatMap((s) => (s.resources ? s.resources : ['*']));
  const kept: Grant[] = [];
  for (const grant of grants) {
    // Trust policies that name the user directly are not limited by its boundary.
    if (grant.source.kind === 'trust-policy') {
      kept.push(grant);
      continue;
    }
    if (patterns.length === 0) {
      dropped.push({
        grant,
        reason: 'boundary',
        detail: `permissions boundary ${boundary.arn} does not allow ${ASSUME_ROLE}`,
      });
      continue;
    }
    if (!patterns.some((p) => patternCovers(p, grant.resource))) {
      if (!grant.wildcard) {
        dropped.push({
          grant,
          reason: 'boundary',
          detail: `permissions boundary ${boundary.arn} does not allow ${ASSUME_ROLE} on ${grant.resource}`,
        });
        continue;
      }
      grant.within.push(patterns);
      grant.notes.push(`narrowed by permissions boundary ${boundary.arn}`);
    }
    if (allowed.some((s) => s.conditional)) {
      grant.notes.push(`permissions boundary ${boundary.arn} allows it only under a condition (not evaluated)`);
    }
    if (allowed.some((s) => s.notResources)) {
      grant.notes.push(`permissions boundary ${boundary.arn} uses NotResource; treated as allowing every role`);
    }
    kept.push(grant);
  }
  return _applyDenies(kept, denies, 'boundary', dropped);
}
