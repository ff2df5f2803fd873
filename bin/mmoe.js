#!/usr/bin/env node
// The process edge: the only place that exits. Everything below returns an exit code.
import { main } from '../dist/src/cli/main.js';

main(process.argv).then(
  (code) => { process.exitCode = code; },
  (err) => {
    // main() maps every error it knows to an exit code; this is the last line of defence.
    process.stderr.write(`mmoe: unexpected error: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
