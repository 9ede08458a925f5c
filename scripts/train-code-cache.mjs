#!/usr/bin/env node
// Run by the build (scripts/build.mjs) in a storyboard's folder: each command once, quietly, then V8's code cache
// of the bundle is written (bin/load-cli.js reads it at every start). Commands that fail stop the build.
import { createRequire } from "node:module";

const { loadBundle } = createRequire(import.meta.url)("../bin/load-cli.js");
const cli = loadBundle({ train: true });
const quiet = { stdout() {}, stderr() {}, stderrRaw() {} };
for (const command of process.argv.slice(2)) {
  const code = await cli.runCli(command.split(" "), quiet);
  if (code !== 0) throw new Error(`training the code cache: \`storyreel ${command}\` exited with ${code}`);
}
