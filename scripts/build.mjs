#!/usr/bin/env node
// The build. src/ becomes dist/ one file to one file (esbuild, as tsc would emit it: tsconfig has
// isolatedModules), the CLI is bundled, and tsc writes the .d.ts files for the library's users.
//   --no-types  skip the .d.ts files (npm test type-checks everything with tsc --noEmit instead)
//   --tests     also compile src/, test/ (with its tier folders unit/, integration/, e2e/), testkit/ and bench/
//               into node_modules/.cache/storyreel-tests/, so the suite runs on plain node: a test file then takes
//               0.38 CPU-s instead of 0.79 under tsx. Only changed files are rewritten, so a watching test runner
//               (scripts/test.mjs --watch) reruns only the tests whose code changed.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const TEST_BUILD = path.join(ROOT, "node_modules", ".cache", "storyreel-tests");
const args = new Set(process.argv.slice(2));

const sources = (dir) =>
  readdirSync(path.join(ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
    .map((f) => path.join(ROOT, dir, f));

// A compiled test reads fixtures, schemas and packages as its source would: import.meta.url is the
// source file's URL, not the compiled copy's.
const sourceUrls = {
  name: "source-urls",
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      const text = await readFile(args.path, "utf8");
      const url = JSON.stringify(pathToFileURL(args.path).href);
      return { contents: text.replaceAll("import.meta.url", url), loader: "ts" };
    });
  },
};

const common = { platform: "node", format: "esm", target: "node20", logLevel: "warning" };

await build({
  ...common,
  entryPoints: sources("src"),
  outdir: path.join(ROOT, "dist"),
  outbase: path.join(ROOT, "src"),
  sourcemap: true,
});
// The CLI in one file, so a start loads one module instead of about a hundred: an up-to-date render starts
// about 40 ms sooner, and about 40 ms more with whitespace and syntax minified (names are kept). Packages
// loaded only on demand (the fal client, execa) and the bundled ffmpeg locators stay outside it. CommonJS, so
// that bin/load-cli.js can start it from V8's code cache (an ES module cannot be given one on Node 20).
// V8 checks a cache against its source's length only, so the old cache goes before the bundle changes.
rmSync(path.join(ROOT, "dist", "cli.bundle.cjs.cache"), { force: true });
await build({
  entryPoints: [path.join(ROOT, "dist", "cli.js")],
  outfile: path.join(ROOT, "dist", "cli.bundle.cjs"),
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  external: [
    "@fal-ai/client",
    "@aws-sdk/*",
    "ajv",
    "@ffmpeg-installer/*",
    "@ffprobe-installer/*",
    "playwright-core",
  ],
  // The loader passes the bundle's own URL in.
  define: { "import.meta.url": "__storyreelUrl" },
  // What only a request to fal needs stays beside it, imported when one is about to be made: the precompiled
  // payload checks, and the fal client's module (its static import of @fal-ai/client, about 10 ms, would
  // otherwise be hoisted to the bundle's start).
  plugins: [
    {
      name: "request-modules-outside",
      setup(b) {
        b.onResolve({ filter: /payload-validators\.generated\.js$/ }, () => ({
          path: "./models/payload-validators.generated.js",
          external: true,
        }));
        // execa is about 80 ES modules: from one file of its own it loads in 20 ms instead of 70.
        b.onResolve({ filter: /^execa$/ }, () => ({ path: "./execa.bundle.js", external: true }));
        b.onResolve({ filter: /providers\/fal\/client\.js$/ }, () => ({
          path: "./fal-client.bundle.cjs",
          external: true,
        }));
      },
    },
  ],
  // Whitespace and syntax only: names stay, so a stack trace still reads.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: "warning",
});
rmSync(path.join(ROOT, "dist", "cli.bundle.js"), { force: true });
importsThroughLoader(path.join(ROOT, "dist", "cli.bundle.cjs"));
trainCodeCache();

// The fal client (storyreel's module and @fal-ai/client with its dependencies) in one CommonJS file, loaded by
// the CLI bundle when a render will send requests: 14 ms instead of 39 as about 40 modules, and it loads while
// the render's checks run, so the first upload waits less. Nothing else imports @fal-ai/client's values, so
// its classes exist once.
await build({
  entryPoints: [path.join(ROOT, "dist", "providers", "fal", "client.js")],
  outfile: path.join(ROOT, "dist", "fal-client.bundle.cjs"),
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: "warning",
});

// execa in one file, loaded by the CLI bundle when it first starts a process.
await build({
  stdin: { contents: 'export { execa } from "execa";', resolveDir: ROOT },
  outfile: path.join(ROOT, "dist", "execa.bundle.js"),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  banner: {
    js: "import { createRequire as __storyreelRequire } from 'node:module'; const require = __storyreelRequire(import.meta.url);",
  },
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: "warning",
});

if (args.has("--tests")) {
  const { outputFiles } = await build({
    ...common,
    entryPoints: [...sources("src"), ...sources("test"), ...sources("testkit"), ...sources("bench")],
    outdir: TEST_BUILD,
    outbase: ROOT,
    sourcemap: "inline",
    plugins: [sourceUrls],
    write: false,
  });
  const built = new Set(outputFiles.map((f) => f.path));
  for (const file of outputFiles) {
    let old;
    try {
      old = readFileSync(file.path);
    } catch {}
    if (old?.equals(file.contents)) continue;
    mkdirSync(path.dirname(file.path), { recursive: true });
    writeFileSync(file.path, file.contents);
  }
  // A compiled copy whose source was moved or deleted would still run as a test.
  let existing = [];
  try {
    existing = readdirSync(TEST_BUILD, { recursive: true, withFileTypes: true });
  } catch {}
  for (const e of existing) {
    const file = path.join(e.parentPath ?? e.path, e.name);
    if (e.isFile() && !built.has(file)) rmSync(file);
  }
}

// On Node 20 a script started from a code cache loses its import() callback (the import then throws), so the
// bundle's dynamic imports go through a function the loader passes in (bin/load-cli.js).
function importsThroughLoader(file) {
  const text = readFileSync(file, "utf8").replace(/\bimport\((?=")/g, "__storyreelImport(");
  const left = text.match(/.{0,40}\bimport\(.{0,40}/);
  if (left) throw new Error(`dist/cli.bundle.cjs: an import() the loader cannot serve: ${left[0]}`);
  writeFileSync(file, text);
}

// The code cache holds what V8 compiled during a `plan` and a `validate` of a fresh `init` project (in a
// temporary folder): most of what a render with nothing to do runs. Without it the CLI works, about 20 ms slower
// to start, so a failure here is said and the build goes on.
function trainCodeCache() {
  const tmp = mkdtempSync(path.join(tmpdir(), "storyreel-build-"));
  try {
    const env = { ...process.env, STORYREEL_CACHE_DIR: path.join(tmp, "cache") };
    delete env.FAL_KEY;
    const run = (args, cwd) =>
      execFileSync(process.execPath, args, { cwd, env, stdio: ["ignore", "ignore", "inherit"] });
    const project = path.join(tmp, "project");
    run([path.join(ROOT, "bin", "storyreel.js"), "init", "project"], tmp);
    // Twice: the second finds the storyboard's parse in the cache, as a render with nothing to do does.
    run([path.join(ROOT, "bin", "storyreel.js"), "plan", "storyboard.yaml"], project);
    run(
      [
        path.join(ROOT, "scripts", "train-code-cache.mjs"),
        "plan storyboard.yaml",
        "validate storyboard.yaml",
      ],
      project,
    );
  } catch (err) {
    console.warn(
      `storyreel build: no code cache for the CLI (${err.message.split("\n")[0]}); it starts about 20 ms slower`,
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (!args.has("--no-types")) {
  const tsc = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");
  execFileSync(process.execPath, [tsc, "-p", "tsconfig.json", "--emitDeclarationOnly"], {
    cwd: ROOT,
    stdio: "inherit",
  });
}
