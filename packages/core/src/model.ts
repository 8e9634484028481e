/**
 * The domain model shared by every lastswitch package. Times are epoch milliseconds (UTC);
 * renderers turn them into ISO 8601. Nothing here ever holds credentials.
 */

/** How a switch happened: the CloudTrail event that recorded it. */
export type SwitchMethod = 'AssumeRole' | 'SwitchRole' | 'AssumeRoleWithSAML' | 'AssumeRoleWithWebIdentity';

/** What kind of principal switched. */
export type PrincipalKind =
  /** An IAM user: `arn:aws:iam::ACCOUNT:user/NAME`. */
  | 'iam-user'
  /** The account root user. */
  | 'root'
  /** A role session (role chaining), or a `sourceIdentity` carried through one. */
  | 'role-session'
  /** An STS federated user (`GetFederationToken`): `arn:aws:sts::ACCOUNT:federated-user/NAME`. */
  | 'federated-user'
  /** A SAML-federated identity (including IAM Identity Center). */
  | 'saml'
  /** A web-identity (OIDC) federated identity. */
  | 'web-identity'
  /** The role-owner side of a cross-account call: only account + principal id are known. */
  | 'unresolved';

/** Who switched. Two principals are the same when their `key`s are equal. */
export interface PrincipalRef {
  /**
   * The identity, used for grouping and as the ledger key:
   * an IAM user is `arn:aws:iam::ACCOUNT:user/NAME` (path dropped, so `user/ops/erin` and
   * `user/erin` are one user); a never-resolved role-owner-side caller is
   * `unresolved:ACCOUNT:PRINCIPALID`; other kinds use their ARN (or a documented key).
   */
  key: string;
  kind: PrincipalKind;
  /** The account the principal lives in ('' when unknown, e.g. an OIDC subject). */
  account: string;
  /** The short human name: user name, session name or source identity. */
  name: string;
  /** The full ARN as CloudTrail showed it (with path), for display. */
  arn?: string;
}

/** A role. Two roles are the same when their `key`s are equal. */
export interface RoleRef {
  /** `arn:aws:iam::ACCOUNT:role/NAME` — path dropped, because assumed-role ARNs drop it. */
  key: string;
  account: string;
  /** The role name without path. */
  name: string;
  /** The full role ARN with its path when a record showed it, else the same as `key`. */
  arn: string;
}

/** One successful role assumption by a principal. */
export interface RoleSwitch {
  principal: PrincipalRef;
  role: RoleRef;
  /** Event time, epoch ms. */
  at: number;
  method: SwitchMethod;
  /** CloudTrail `eventID`. */
  eventId: string;
  /** CloudTrail `sharedEventID`, present on cross-account events. */
  sharedEventId?: string;
  /** CloudTrail `recipientAccountId`: whose trail recorded it. */
  recordedIn?: string;
  region?: string;
  sourceIp?: string;
}

/** A role assumption that failed (`errorCode` set). Never counted as use. */
export interface DeniedAttempt {
  principal: PrincipalRef;
  /** The role, when the record or its `errorMessage` names one. */
  role?: RoleRef;
  at: number;
  method: SwitchMethod;
  errorCode: string;
  eventId: string;
}

/** A principal id learned from a caller-side record, to resolve role-owner-side records. */
export interface PrincipalAlias {
  /** The account the principal id belongs to. */
  account: string;
  /** CloudTrail `userIdentity.principalId` (e.g. `AIDA...` or `AROA...:session`). */
  principalId: string;
  principal: PrincipalRef;
  /** The latest event time the alias was seen, epoch ms. */
  seenAt: number;
}

/** The folded state of one (principal, role) pair: one write to a ledger store. */
export interface LedgerUpdate {
  principal: PrincipalRef;
  role: RoleRef;
  /** Earliest switch time seen, epoch ms. */
  firstSeen: number;
  /** Latest switch time seen, epoch ms. */
  lastSeen: number;
  /** Every way this pair was seen switching, sorted, without duplicates. */
  methods: SwitchMethod[];
  /** The `eventId` of the switch at `lastSeen`. */
  lastEventId: string;
}

/** A stored ledger entry: the merge of every update ever applied for its pair. */
export type LedgerEntry = LedgerUpdate;

/** The status of a (principal, role) pair, or of a principal overall. */
export type AccessStatus = 'active' | 'stale' | 'never';

/** What one `LedgerStore.apply` call did; adapters count their write requests here. */
export interface ApplyResult {
  /** Pair updates received. */
  pairs: number;
  /** Aliases received. */
  aliases: number;
  /** Write requests sent to the backing store. */
  writes: number;
  /** Conditional writes the store held back because it already had something as new (not errors). */
  heldBack: number;
}

/**
 * The one storage interface. `apply` merges with max(lastSeen) / min(firstSeen) semantics, so
 * the ledger is the same whatever order updates arrive in and however often they are replayed.
 */
export interface LedgerStore {
  apply(updates: readonly LedgerUpdate[], aliases?: readonly PrincipalAlias[]): Promise<ApplyResult>;
  /** Every entry, one per (principal key, role key), streamed. */
  entries(): AsyncIterable<LedgerEntry>;
  /** Every alias, one per (account, principalId), the most recently seen winning. */
  aliases(): AsyncIterable<PrincipalAlias>;
  /**
   * Optional: the same entries as `entries()`, as columns (one consistent read). `assessStore`
   * prefers it: a store that keeps its entries as numbers hands them out without an object each.
   */
  columns?(): Promise<LedgerColumns>;
}

/**
 * A ledger's entries as columns: entry `i` (of the first `length`) is principal
 * `principals[principal[i]]`, role `roles[role[i]]`, `firstSeen[i]`, `lastSeen[i]` and methods
 * `methodLists[methods[i]]`. Like `LedgerStore.entries()`: one entry per (principal key, role key).
 * `assessLedger` takes this in place of entries, with the same result, without an object per entry.
 */
export interface LedgerColumns {
  readonly length: number;
  /** The distinct principal refs (display rows) the entries point at; one key may have several. */
  readonly principals: readonly PrincipalRef[];
  readonly roles: readonly RoleRef[];
  /** The distinct method lists (each sorted, without duplicates) the entries point at. */
  readonly methodLists: readonly (readonly SwitchMethod[])[];
  readonly principal: Uint32Array;
  readonly role: Uint32Array;
  readonly firstSeen: Float64Array;
  readonly lastSeen: Float64Array;
  readonly methods: Uint8Array;
  /**
   * Entry `i`'s `lastEventId`: asked for only for entries an alias merges into one pair (the
   * newer side's id breaks a tie at the same `lastSeen`), so a store may read it on demand.
   */
  lastEventId(index: number): string;
}

/** One line of a roster: who is allowed to switch into what (role ARN or `*` pattern), since when. */
export interface RosterEntry {
  /** Principal ARN (IAM user ARNs are matched path-insensitively). */
  principal: string;
  /** Role ARN or pattern with `*`; absent means "allowed to switch somewhere". */
  role?: string;
  /** When the access was granted, epoch ms; used for the grace period. */
  since?: number;
  /** Where this entry comes from (e.g. a policy statement), for display. */
  source?: string;
}

/** The assessment of one (principal, role) pair. */
export interface PairAssessment {
  principal: PrincipalRef;
  /** The role; for a `never` entry from a roster pattern, `key`/`arn` hold the pattern. */
  role: RoleRef;
  status: AccessStatus;
  lastSeen?: number;
  firstSeen?: number;
  /** Whole days between `lastSeen` and `now`. */
  daysSince?: number;
  /** The ways this pair was seen switching, sorted: frozen, and shared by the pairs with the same ones. */
  via: readonly SwitchMethod[];
  /** The roster entry that allows this pair, when a roster was given. */
  allowedBy?: RosterEntry;
}

/** The assessment of one principal across all its roles. */
export interface PrincipalAssessment {
  principal: PrincipalRef;
  /** `active` if any role is active, `stale` if it switched but not within the window, `never` if never seen. */
  status: AccessStatus;
  /** The last switch into any role. */
  lastSeen?: number;
  daysSince?: number;
  roles: PairAssessment[];
}

/** The result of `assessLedger`: pairs and principals, stalest first, then by name. */
export interface Assessment {
  generatedAt: number;
  staleAfterDays: number;
  summary: { principals: number; pairs: number; active: number; stale: number; never: number };
  pairs: PairAssessment[];
  principals: PrincipalAssessment[];
}
