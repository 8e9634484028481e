import { LastswitchError } from '../errors.js';

/** Why a whole trail file could not be read. */
export type TrailFileErrorReason =
  /** Starts with the gzip magic bytes but does not decompress. */
  | 'bad-gzip'
  /** Ends in the middle of the gzip stream or of the JSON. */
  | 'truncated'
  /** Nothing but whitespace. */
  | 'empty'
  /** Not JSON, not NDJSON, or broken beyond finding record boundaries. */
  | 'not-json'
  /** Valid JSON, but none of the accepted shapes (Records object, array, NDJSON, lookup-events, digest). */
  | 'wrong-shape'
  /** The source threw while being read. */
  | 'source-error'
  /** Decompresses to more than the cap (`maxInflatedBytes`): a gzip bomb, or not a trail file. */
  | 'too-large';

/** A trail file that cannot be read as a whole; `reason` names the problem. */
export class TrailFileError extends LastswitchError {
  override name = 'TrailFileError';
  /** The machine-readable reason. */
  readonly reason: TrailFileErrorReason;
  /** The bucket key or path, when the caller gave one. */
  readonly key: string | undefined;

  constructor(reason: TrailFileErrorReason, message: string, options?: { cause?: unknown; key?: string | undefined }) {
    super(options?.key === undefined ? message : `${options.key}: ${message}`, options);
    this.reason = reason;
    this.key = options?.key;
  }
}
