#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm ci` through the prepare script), bundled into
// one file for a faster start (see load-cli.js); dist/cli.js when the bundle is missing.
const { loadBundle } = require("./load-cli.js");

const missing = (err) => err?.code === "ERR_MODULE_NOT_FOUND" && String(err.message).includes("dist");
Promise.resolve()
  .then(() => loadBundle() ?? import("../dist/cli.js"))
  .then(
    (cli) => cli.main(),
    (err) => {
      if (missing(err)) {
        console.error("storyreel: dist/ is missing; run `npm run build` (npm ci does this for you).");
        process.exit(1);
      }
      throw err;
    },
  );
