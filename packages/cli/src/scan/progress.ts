import { createRequire } from 'node:module';

/** cli-progress, loaded on first use: only a terminal needs it, so a plain scan starts faster. */
const loadCliProgress = () => createRequire(import.meta.url)('cli-progress') as typeof import('cli-progress');

/** Where a scan reports its progress: a bar on a terminal, plain lines otherwise. */
export interface ScanProgress {
  /** The scan starts: this many files and bytes (bytes 0 when unknown). */
  start(files: number, bytes: number): void;
  /** One file was read. */
  fileRead(bytes: number, switches: number): void;
  /** One file failed; the reason is one line. */
  fileFailed(file: string, reason: string): void;
  /** The scan ended (also after an error): clears the bar. */
  stop(): void;
}

/** The stream a progress reporter writes to. */
export interface ProgressStream extends NodeJS.WritableStream {
  isTTY?: boolean;
  columns?: number;
}

const megabytes = (bytes: number) => (bytes / 1_048_576).toFixed(1);

/** The bar's layout for a terminal this wide: fewer fields and a shorter bar on narrow ones, so it never wraps. */
export function barLayout(columns: number | undefined): { format: string; barsize: number } {
  const width = columns !== undefined && columns > 0 ? columns : 80;
  // Room for the text around the bar with realistic values (e.g. 12345/12345 files, 9999.9 MB), plus one spare column.
  if (width >= 100) {
    return {
      format:
        'scanning {bar} {value}/{total} files | {mb}/{totalMb} MB | {switches} switches | {failed} failed | ETA {eta_formatted}',
      barsize: Math.min(40, width - 84),
    };
  }
  if (width >= 70) {
    return {
      format: '{bar} {value}/{total} files | {switches} switches | {failed} failed | ETA {eta_formatted}',
      barsize: Math.min(40, width - 62),
    };
  }
  return { format: '{bar} {value}/{total} | ETA {eta_formatted}', barsize: Math.max(3, Math.min(30, width - 32)) };
}

/** A progress bar (files, MB, switches found, ETA) for a terminal, via `cli-progress`, fitted to its width. */
export function createBarProgress(stream: ProgressStream): ScanProgress {
  const cliProgress = loadCliProgress();
  const layout = barLayout(stream.columns);
  const bar = new cliProgress.SingleBar(
    {
      stream,
      barsize: layout.barsize,
      format: layout.format,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
      fps: 10,
      noTTYOutput: false,
    },
    cliProgress.Presets.shades_classic,
  );
  let bytesRead = 0;
  let switches = 0;
  let failed = 0;
  let started = false;
  return {
    start(files, bytes) {
      started = true;
      bar.start(files, 0, { mb: megabytes(0), totalMb: megabytes(bytes), switches: 0, failed: 0 });
    },
    fileRead(bytes, found) {
      bytesRead += bytes;
      switches += found;
      if (started) bar.increment(1, { mb: megabytes(bytesRead), switches });
    },
    fileFailed(file, reason) {
      failed += 1;
      // Printed above the bar, so the failure stays visible once the bar is gone.
      stream.write(`\r\u001b[2Kfailed: ${file}: ${reason}\n`);
      if (started) bar.increment(1, { failed });
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}

/** Plain lines for logs and pipes: one line at the start (failures are listed by the summary). */
export function createPlainProgress(stream: NodeJS.WritableStream): ScanProgress {
  return {
    start(files, bytes) {
      stream.write(
        `Scanning ${files} ${files === 1 ? 'file' : 'files'}${bytes > 0 ? ` (${megabytes(bytes)} MB)` : ''}\n`,
      );
    },
    fileRead() {},
    fileFailed() {},
    stop() {},
  };
}
