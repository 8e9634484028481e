/** Runs s3rver in its own process for the benchmark, so its memory is not counted; prints the endpoint. */
import { startS3Local } from '../../../test/servers/s3-local.js';

const server = await startS3Local();
process.stdout.write(`${server.endpoint}\n`);
process.on('SIGTERM', () => {
  void server.stop().then(() => process.exit(0));
});
