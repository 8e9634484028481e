import { runCli } from './program.js';

// The SDK warns on every run under Node 20, which this CLI supports; the warning is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.exitCode = await runCli(process.argv);
