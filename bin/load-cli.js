// Loads the bundled CLI (dist/cli.bundle.cjs) with V8's code cache (dist/cli.bundle.cjs.cache), written at build
// time after a training run: a start then skips compiling the functions a render uses (about 20 ms of 140).
// Node 20 has no module compile cache (22 does), hence vm.Script; and CommonJS (bin/package.json), so a start
// does not set up the ES module loader. A cache V8 rejects (another Node, other flags) is ignored.
const { readFileSync, renameSync, writeFileSync } = require("node:fs");
const { createRequire } = require("node:module");
const path = require("node:path");
const { pathToFileURL } = require("node:url");
const vm = require("node:vm");

const BUNDLE = path.join(__dirname, "..", "dist", "cli.bundle.cjs");
const CODE_CACHE = `${BUNDLE}.cache`;

// The wrapper is part of the cached source: it must not change between the training run and a start.
const wrap = (source) =>
  `(function (exports, require, module, __filename, __dirname, __storyreelUrl, __storyreelImport) {"use strict";${source}\n})`;

// The bundle compiled, with whether V8 took the code cache; undefined when there is no bundle.
function compileBundle({ train = false } = {}) {
  let source;
  try {
    source = readFileSync(BUNDLE, "utf8");
  } catch (err) {
    if (err.code === "ENOENT") return undefined;
    throw err;
  }
  let cachedData;
  if (!train)
    try {
      cachedData = readFileSync(CODE_CACHE);
    } catch {}
  const script = new vm.Script(wrap(source), { filename: BUNDLE, cachedData });
  return { script, cached: cachedData !== undefined && !script.cachedDataRejected };
}

// The CLI module's exports, or undefined when there is no bundle. `train` writes the code cache at exit.
function loadBundle({ train = false } = {}) {
  const compiled = compileBundle({ train });
  if (!compiled) return undefined;
  const { script } = compiled;
  if (train)
    process.on("exit", () => {
      writeFileSync(`${CODE_CACHE}.tmp`, script.createCachedData());
      renameSync(`${CODE_CACHE}.tmp`, CODE_CACHE);
    });
  const module = { exports: {} };
  const url = pathToFileURL(BUNDLE).href;
  // The bundle's import()s, made here (the build rewrote them; Node 20 loses a cached script's own import()
  // callback): relative ones from the bundle's folder.
  const load = (specifier) =>
    specifier.startsWith(".") && specifier.endsWith(".cjs")
      ? Promise.resolve().then(() => require(path.join(path.dirname(BUNDLE), specifier)))
      : import(specifier.startsWith(".") ? new URL(specifier, url).href : specifier);
  const run = script.runInThisContext();
  run(module.exports, createRequire(BUNDLE), module, BUNDLE, path.dirname(BUNDLE), url, load);
  return module.exports;
}

module.exports = { BUNDLE, CODE_CACHE, compileBundle, loadBundle };
