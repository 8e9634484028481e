/**
 * A scan worker thread: takes local trail files from the counter it shares with the other workers
 * and reports each file's folded outcome (see `scanFiles`), so an archive of many small files is
 * read on every core without waiting for the main thread.
 */
import { workerData as data, parentPort } from 'node:worker_threads';
import { openLocalFile } from './discoverLocalFiles.js';
import { readOutcome, WORKER_REPORT_SIZE, type WorkerInput, type WorkerReport } from './scanFiles.js';

const port = parentPort;
if (port === null) throw new Error('scanWorker.js runs as a worker thread');
const { files, maxInflatedBytes, shared } = data as WorkerInput;
const counters = new Int32Array(shared);
let report: WorkerReport = [];
while (Atomics.load(counters, 1) === 0) {
  const index = Atomics.add(counters, 0, 1);
  const file = files[index];
  if (file === undefined) break;
  report.push({
    index,
    outcome: await readOutcome(() => openLocalFile(file.path, file.size), file.key, maxInflatedBytes),
  });
  if (report.length >= WORKER_REPORT_SIZE) {
    port.postMessage(report);
    report = [];
  }
}
if (report.length > 0) port.postMessage(report);
