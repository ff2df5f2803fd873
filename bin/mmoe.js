#!/usr/bin/env node
// The process edge: the only place that exits. Everything below returns an exit code.
import { applyAwsDefaults } from '../dist/src/cli/aws-env.js';
import { defaultEnv } from '../dist/src/cli/context.js';
import { main } from '../dist/src/cli/main.js';

// The AWS SDK's quiet, fail-fast defaults (see src/cli/aws-env.ts), before any S3 client exists.
applyAwsDefaults(process.env);

// For `train`, `eval` and `predict`, the first SIGINT/SIGTERM asks the command to stop cleanly (at
// the next chunk read or training step: train publishes nothing and releases its lock, predict
// removes its partial output); a second one exits at once. Other commands keep Node's default.
const controller = new AbortController();
let signals = 0;
const handled = ['train', 'eval', 'predict'].includes(process.argv[2]) ? ['SIGINT', 'SIGTERM'] : [];
for (const sig of handled) {
  process.on(sig, () => {
    signals += 1;
    if (signals > 1) process.exit(130);
    process.stderr.write(`mmoe: ${sig} received, stopping cleanly (send it again to exit at once)\n`);
    controller.abort();
  });
}

main(process.argv, defaultEnv(controller.signal)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    // main() maps every error it knows to an exit code; this is the last line of defence.
    process.stderr.write(`mmoe: unexpected error: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
