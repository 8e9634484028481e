import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import {
  type AuthorizationSnapshot,
  assignmentGrantsToRoster,
  type GrantEvaluation,
  grantsFromSnapshot,
  grantsToRoster,
  type IdentityCenterEvaluation,
  type IdentityCenterSnapshot,
  identityCenterGrants,
  identityCenterKeyParts,
  isIdentityCenterSnapshot,
  type LedgerStore,
  type PlanSource,
  parseAuthorizationSnapshot,
  parseIdentityCenterSnapshot,
  type RosterEntry,
} from '@lastswitch/core';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { readUserFile } from './_userFiles.js';

/** The snapshot files behind `--grants`: IAM snapshots (files or `--org` folders) and Identity Center snapshots. */
export interface GrantFiles {
  iam: AuthorizationSnapshot[];
  identityCenter: IdentityCenterSnapshot[];
  /** Each file read, with its SHA-256 digest: what a plan records it was made from. */
  madeFrom: PlanSource[];
}

/** A `--grants` path: a file, or a folder (`iam snapshot --org` output) whose `*.json` files are read in name order. */
async function _expand(path: string, ctx: CliContext): Promise<string[]> {
  const full = isAbsolute(path) ? path : join(ctx.cwd, path);
  const info = await stat(full).catch(() => undefined);
  if (!info?.isDirectory()) return [path];
  const names = (await readdir(full)).filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort();
  if (names.length === 0) throw new UsageError(`the snapshot folder ${path} has no .json files`);
  return names.map((n) => join(path, n));
}

/** Reads and checks snapshot files (IAM or Identity Center, told apart by their `format`); a bad file is a usage error naming it. */
export async function readSnapshotFiles(paths: readonly string[], ctx: CliContext): Promise<GrantFiles> {
  const files: GrantFiles = { iam: [], identityCenter: [], madeFrom: [] };
  for (const given of paths) {
    for (const path of await _expand(given, ctx)) {
      const text = await readUserFile(path, ctx, 'the snapshot ');
      const sha256 = createHash('sha256').update(text, 'utf8').digest('hex');
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (error) {
        throw new UsageError(`the snapshot ${path} is not JSON: ${(error as Error).message}`, { cause: error });
      }
      const format = typeof json === 'object' && json !== null ? (json as { format?: unknown }).format : undefined;
      if (format !== 'lastswitch.authorization-snapshot' && !isIdentityCenterSnapshot(json)) {
        throw new UsageError(
          `${path} is not a lastswitch authorization snapshot (make one per account with \`lastswitch iam snapshot --output FILE\`, or an Identity Center one with \`lastswitch sso snapshot\`)`,
        );
      }
      try {
        if (isIdentityCenterSnapshot(json)) {
          const snapshot = parseIdentityCenterSnapshot(json, path);
          files.identityCenter.push(snapshot);
          files.madeFrom.push({ file: path, sha256, takenAt: snapshot.takenAt });
        } else {
          const snapshot = parseAuthorizationSnapshot(json, path);
          files.iam.push(snapshot);
          files.madeFrom.push({ file: path, sha256, account: snapshot.account, takenAt: snapshot.takenAt });
        }
      } catch (error) {
        // No `cause`: the validator's own dump of every issue is not for the terminal (see --debug).
        throw new UsageError(
          `${(error as Error).message} (make one with \`lastswitch iam snapshot\` or \`lastswitch sso snapshot\`)`,
        );
      }
    }
  }
  return files;
}

/** Everything `--grants` gives: IAM grants, and the Identity Center snapshots (evaluated once the ledger's keys are known). */
export interface GrantSources {
  evaluation: GrantEvaluation;
  files: GrantFiles;
}

/** Reads snapshot files and evaluates the IAM ones into grants, printing what could not be evaluated to stderr. */
export async function readGrants(paths: readonly string[], ctx: CliContext): Promise<GrantSources> {
  const files = await readSnapshotFiles(paths, ctx);
  const evaluation = grantsFromSnapshot(files.iam);
  for (const p of evaluation.problems) ctx.stderr.write(`warning: ${p.account} ${p.entity}: ${p.message}\n`);
  return { evaluation, files };
}

/** Evaluates Identity Center snapshots, keying users as the ledger does (`principalKeys`); prints problems to stderr. */
export function evaluateIdentityCenter(
  sources: GrantSources,
  principalKeys: Iterable<string>,
  ctx: CliContext,
  warnUnknown: boolean,
): IdentityCenterEvaluation[] {
  const keys = [...principalKeys];
  return sources.files.identityCenter.map((snapshot) => {
    const evaluation = identityCenterGrants(snapshot, { principalKeys: keys, iamSnapshots: sources.files.iam });
    for (const p of evaluation.problems) {
      ctx.stderr.write(`warning: ${p.account ? `${p.account} ` : ''}${p.entity}: ${p.message}\n`);
    }
    if (warnUnknown) {
      const names = new Set(evaluation.userNames);
      const unknown = new Set<string>();
      for (const key of keys) {
        const parts = identityCenterKeyParts(key);
        if (parts && !names.has(parts.name)) unknown.add(parts.name);
      }
      for (const name of [...unknown].sort()) {
        ctx.stderr.write(
          `warning: Identity Center user ${name} is in the ledger but not in the Identity Center snapshot: renamed or deleted\n`,
        );
      }
    }
    return evaluation;
  });
}

/** The roster `report --grants` uses: one entry per effective IAM grant and per Identity Center assignment grant. */
export async function rosterFromGrantFiles(
  paths: readonly string[],
  ctx: CliContext,
  store?: LedgerStore,
): Promise<RosterEntry[]> {
  const sources = await readGrants(paths, ctx);
  const roster = grantsToRoster(sources.evaluation.grants);
  if (sources.files.identityCenter.length > 0) {
    const keys = new Set<string>();
    if (store) for await (const entry of store.entries()) keys.add(entry.principal.key);
    for (const evaluation of evaluateIdentityCenter(sources, keys, ctx, true)) {
      roster.push(...assignmentGrantsToRoster(evaluation.grants));
    }
  }
  return roster;
}
