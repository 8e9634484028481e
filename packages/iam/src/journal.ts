import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { LastswitchError, type PlanAction } from '@lastswitch/core';

/** The first line of every journal. */
export interface JournalStart {
  type: 'start';
  journal: 'lastswitch.apply-journal';
  version: 1;
  at: string;
  /** The plan applied: its file (as given) and the SHA-256 of its bytes. */
  plan: { file?: string; sha256: string };
}

/** Written before a change is made: what it will change, from what, to what. */
export interface JournalBefore {
  type: 'before';
  step: number;
  kind: string;
  at: string;
  /** What the step touches, in words (`inline policy switch of user alice`). */
  target: string;
  /** The plan step itself (without its grant list), so undo needs nothing but the journal. */
  action: Omit<PlanAction, 'grants'>;
  /** The live state read just before the change (equal to the plan's prior state). */
  prior: LiveState;
  /** The state the change leaves. */
  intended: LiveState;
  /** A managed policy at IAM's five-version limit: the version deleted to make room, with its document. */
  deleteVersion?: PolicyVersionRecord;
}

/** Written after a step: what came of it. `result` holds what undo needs (new version id, new membership id). */
export interface JournalAfter {
  type: 'after';
  step: number;
  at: string;
  outcome: 'applied' | 'refused' | 'failed' | 'review';
  reason?: string;
  result?: StepResult;
  /** True when a crash left a `before` line without an `after`, and the live state showed the change was made. */
  recovered?: boolean;
}

/** Written by undo before it restores a step. */
export interface JournalUndoBefore {
  type: 'undo-before';
  step: number;
  at: string;
  target: string;
  /** The live state read before restoring (what apply left). */
  live: LiveState;
  /** The state it restores (the `before` line's prior state). */
  restore: LiveState;
}

/** Written by undo after it restored (or refused to restore) a step. */
export interface JournalUndoAfter {
  type: 'undo-after';
  step: number;
  at: string;
  outcome: 'restored' | 'refused' | 'failed';
  reason?: string;
  result?: StepResult;
  recovered?: boolean;
}

/** One line of a journal. */
export type JournalRecord = JournalStart | JournalBefore | JournalAfter | JournalUndoBefore | JournalUndoAfter;

/** A managed policy version, with its document. */
export interface PolicyVersionRecord {
  versionId: string;
  document: unknown;
  createdAt?: string;
}

/** The part of the live state a step touches, JSON-serialisable. Only the fields of its kind are set. */
export interface LiveState {
  /** An inline policy, trust policy, or managed policy default-version document; `null` = no such inline policy. */
  document?: unknown;
  /** The managed policy's default version. */
  versionId?: string;
  /** Group membership, policy attachment, account assignment: present or not. */
  present?: boolean;
  /** Identity Center group membership id, when present. */
  membershipId?: string;
}

/** What a change produced that undo needs. */
export interface StepResult {
  /** A new managed policy version made by the step (apply) or by undo (re-created deleted version). */
  createdVersionId?: string;
  /** The version deleted at the five-version limit. */
  deletedVersionId?: string;
  /** The new Identity Center membership id (undo re-creates a membership). */
  membershipId?: string;
}

/** A journal file that cannot be read or does not belong to this plan. */
export class JournalError extends LastswitchError {
  override name = 'JournalError';
}

/**
 * An append-only JSON-lines journal: every line is written and `fsync`ed before the call returns,
 * so a crash leaves every line that was acknowledged.
 */
export class Journal {
  private constructor(
    readonly path: string,
    readonly records: JournalRecord[],
    /** Byte length of the whole lines, when a crash left a torn last line to cut off before the next write. */
    private tornAt: number | undefined,
  ) {}

  /** Opens (or starts) the journal at `path`, reading the lines already there. A torn last line (crash mid-write) is ignored, and cut off at the next write. */
  static async open(path: string): Promise<Journal> {
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new JournalError(`cannot read the journal ${path}: ${(error as Error).message}`, { cause: error });
      }
    }
    const lines = text.split('\n');
    const records: JournalRecord[] = [];
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        records.push(JSON.parse(line) as JournalRecord);
      } catch (error) {
        // Only the last line may be torn by a crash; anything else means the file is not a journal.
        if (i === lines.length - 1) return;
        throw new JournalError(`${path} line ${i + 1} is not JSON: this is not a lastswitch journal`, { cause: error });
      }
    });
    const first = records[0];
    if (first && (first.type !== 'start' || first.journal !== 'lastswitch.apply-journal')) {
      throw new JournalError(`${path} is not a lastswitch apply journal`);
    }
    const torn = text !== '' && !text.endsWith('\n');
    return new Journal(path, records, torn ? Buffer.byteLength(text.slice(0, text.lastIndexOf('\n') + 1)) : undefined);
  }

  /**
   * Takes the journal's lock (`PATH.lock`, holding pid, host and start time) so that no other
   * apply or undo writes the same journal at the same time; call `release()` when done. A lock
   * left by a process that no longer runs on this host is taken over; a live one, or one from
   * another host, is refused with a {@link JournalError} naming its holder.
   */
  static async lock(path: string): Promise<JournalLock> {
    const lockPath = `${path}.lock`;
    const mine = `${JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() })}\n`;
    await mkdir(dirname(path), { recursive: true });
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const handle = await open(lockPath, 'wx', 0o600);
        try {
          await handle.write(mine);
          await handle.sync();
        } finally {
          await handle.close();
        }
        return { path: lockPath, release: () => rm(lockPath, { force: true }) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new JournalError(`cannot lock the journal ${path}: ${(error as Error).message}`, { cause: error });
        }
      }
      const text = await readFile(lockPath, 'utf8').catch(() => undefined);
      if (text === undefined) continue; // released in between: try again
      const holder = _lockHolder(text);
      if (holder === undefined || holder.host !== hostname() || _isRunning(holder.pid)) {
        const who = holder ? `pid ${holder.pid} on ${holder.host}, since ${holder.since}` : 'an unreadable lock';
        throw new JournalError(
          `the journal ${path} is in use by another lastswitch apply or undo (${who}); if no such process runs, delete ${lockPath}`,
        );
      }
      await _takeOverStale(lockPath, text);
    }
    throw new JournalError(`cannot lock the journal ${path}: other processes keep taking its lock`);
  }

  /** The `start` line, if the journal has one. */
  get start(): JournalStart | undefined {
    const first = this.records[0];
    return first?.type === 'start' ? first : undefined;
  }

  /** Appends one line and fsyncs it (and the folder, when the file is new). */
  async append(record: JournalRecord): Promise<void> {
    const created = this.records.length === 0;
    if (created) await mkdir(dirname(this.path), { recursive: true });
    const handle = await open(this.path, 'a', 0o600);
    try {
      // A torn line left by a crash was never acknowledged: it is cut off, so every line stays whole.
      if (this.tornAt !== undefined) {
        await handle.truncate(this.tornAt);
        this.tornAt = undefined;
      }
      await handle.write(`${JSON.stringify(record)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (created) await _syncFolder(dirname(this.path));
    this.records.push(record);
  }

  /** The last line about `step` of the given types. */
  last<T extends JournalRecord['type']>(step: number, ...types: T[]): Extract<JournalRecord, { type: T }> | undefined {
    for (let i = this.records.length - 1; i >= 0; i--) {
      const r = this.records[i] as JournalRecord;
      if (r.type !== 'start' && r.step === step && (types as string[]).includes(r.type)) {
        return r as Extract<JournalRecord, { type: T }>;
      }
    }
    return undefined;
  }
}

/** A journal's lock, held until `release()`. */
export interface JournalLock {
  /** The lock file (`JOURNAL.lock`). */
  readonly path: string;
  release(): Promise<void>;
}

function _lockHolder(text: string): { pid: number; host: string; since: string } | undefined {
  try {
    const value = JSON.parse(text) as { pid?: unknown; host?: unknown; since?: unknown };
    if (!Number.isSafeInteger(value.pid) || typeof value.host !== 'string' || typeof value.since !== 'string') {
      return undefined;
    }
    return { pid: value.pid as number, host: value.host, since: value.since };
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid runs on this host (one of another user counts: EPERM). */
function _isRunning(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Removes a stale lock whose text was `stale`, atomically: it is renamed aside first and only
 * deleted when it still holds that text; a fresh lock another process took meanwhile is put back.
 * Exported for its test only (not from the package).
 */
export async function _takeOverStale(lockPath: string, stale: string): Promise<void> {
  const aside = `${lockPath}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
  try {
    await rename(lockPath, aside);
  } catch {
    return; // someone else moved it: try again
  }
  const moved = await readFile(aside, 'utf8').catch(() => undefined);
  if (moved !== stale) await link(aside, lockPath).catch(() => {});
  await rm(aside, { force: true });
}

async function _syncFolder(folder: string): Promise<void> {
  try {
    const handle = await open(folder, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some file systems cannot fsync a folder; the file itself is synced.
  }
}
