#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm ci` through the prepare script).
import("../dist/cli.js").then(
  (cli) => cli.main(),
  (err) => {
    if (err?.code === "ERR_MODULE_NOT_FOUND" && String(err.message).includes("dist")) {
      console.error("storyreel: dist/ is missing; run `npm run build` (npm ci does this for you).");
      process.exit(1);
    }
    throw err;
  },
);
