/**
 * A scan worker thread: reads the local trail files it is sent and answers with each file's folded
 * outcome (see `scanFiles`), so an archive of many small files is read on every core.
 */
import { parentPort } from 'node:worker_threads';
import { openLocalFile } from './discoverLocalFiles.js';
import { type FileOutcome, readOutcome, type WorkerRequest, type WorkerResponse } from './scanFiles.js';

const port = parentPort;
if (port === null) throw new Error('scanWorker.js runs as a worker thread');
port.on('message', async (request: WorkerRequest) => {
  const outcomes: FileOutcome[] = [];
  for (const file of request.files) {
    outcomes.push(await readOutcome(() => openLocalFile(file.path, file.size), file.key, request.maxInflatedBytes));
  }
  const response: WorkerResponse = { outcomes };
  port.postMessage(response);
});
