#!/usr/bin/env node
// Builds native/huge-pages.c (src/model/huge-pages.ts says why) with node-gyp: run by `npm ci` /
// `npm install` (the package's install script) and by `npm run build:native`. Linux only. The
// addon is optional: without a compiler the install goes on, training works in ordinary pages,
// and the run log and metadata say why (resources.tables.ordinaryPagesReason).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

if (process.platform !== 'linux') process.exit(0);
const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'native');
// npm gives its scripts the node-gyp it bundles; run by hand, use that same one beside npm.
const bundled = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
const gyp = process.env.npm_config_node_gyp ?? (existsSync(bundled) ? bundled : null);
// configure + build, not rebuild: a build that fails (no compiler today) keeps the addon built
// before. The time limit: node-gyp downloads Node's headers where none are configured, and an
// install must not hang on a network that does not answer.
const run = (step) => {
  const options = { cwd: dir, encoding: 'utf8', timeout: 300_000 };
  return gyp ? spawnSync(process.execPath, [gyp, step, '--loglevel=warn'], options) : spawnSync('node-gyp', [step, '--loglevel=warn'], options);
};
let r = run('configure');
if (r.status === 0) r = run('build');
if (r.status === 0) process.exit(0);
const output = `${r.error ? r.error.message : ''}${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-12).join('\n');
process.stderr.write(
  `mmoe: the huge-page addon (native/huge-pages.c) was not built; training works without it, ` +
    `slower on embedding tables of gigabytes. With a C compiler and python3: npm run build:native\n${output}\n`,
);
