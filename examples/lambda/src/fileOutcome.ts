import type { TrailObjectRef } from '@lastswitch/core';
import type { FailureDescription } from './describeFailure.js';

/** How one file went. */
export type FileOutcome =
  | { status: 'ingested'; ref: TrailObjectRef; switches: number; pairs: number; writes: number }
  | { status: 'skipped'; ref: TrailObjectRef; reason: string }
  | ({ status: 'failed'; ref: TrailObjectRef } & FailureDescription);

/** A file that failed. */
export type FailedFile = Extract<FileOutcome, { status: 'failed' }>;

/** Items core could not read at all are failures (retried, then dead-lettered); test and validation messages are not. */
export function isUnreadable(item: { code: string }): boolean {
  return item.code === 'unrecognised' || item.code === 'undecodable-key' || item.code === 'no-bucket';
}
