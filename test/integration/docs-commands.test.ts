// The README, the pages in docs/, CONTRIBUTING.md and ARCHITECTURE.md stay true: every `storyreel …` command
// they show (in a code block, or inline) parses with that command's own options, the offline ones (validate,
// plan, init) on files that exist really run, the README's storyboard validates, the render options table is
// render's options, every `npm run` script they name exists, and every link between them reaches a file and a
// heading. Offline and in process: nothing is rendered, fetched or paid for.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { cp, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { REPO, runInProcess, tempDir } from "../../testkit/cli.js";

const PAGES = [
  "README.md",
  "CONTRIBUTING.md",
  "ARCHITECTURE.md",
  ...readdirSync(path.join(REPO, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];

const COMMANDS = [
  "validate",
  "plan",
  "render",
  "retake",
  "pick",
  "export",
  "cache",
  "spend",
  "init",
  "doctor",
  "models",
  "studio",
];

interface Found {
  where: string;
  text: string;
  argv: string[];
  // A command word with some of its options (`export --collect`), not a whole command line.
  fragment?: boolean;
}

// One page's text split into its fenced code lines and its prose (code blocks blanked, so lines keep their numbers).
function parts(text: string): { code: { line: number; text: string }[]; prose: string } {
  const code: { line: number; text: string }[] = [];
  const prose: string[] = [];
  let fenced = false;
  text.split("\n").forEach((line, i) => {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      prose.push("");
    } else if (fenced) {
      code.push({ line: i + 1, text: line });
      prose.push("");
    } else prose.push(line);
  });
  return { code, prose: prose.join("\n") };
}

// Shell words, with a placeholder such as `<that request id>` kept as one word and quotes taken off.
function words(text: string): string[] {
  return [...text.matchAll(/"[^"]*"|'[^']*'|<[^>]*>|\S+/g)].map((m) => m[0].replace(/^["']|["']$/g, ""));
}

// Commands in code blocks: a shell command (or a workflow's `- run:`) that starts with `storyreel` or
// `npx storyreel`, up to a comment, `&&`, `;`, a pipe or a redirect.
function codeCommands(page: string, text: string): Found[] {
  const found: Found[] = [];
  for (const { line, text: raw } of parts(text).code) {
    const shell = raw.replace(/(^|\s)#.*$/, "");
    for (const segment of shell.split(/&&|\|\||;|\||>/)) {
      const m = /^\s*(?:-\s+run:\s+)?((?:npx\s+)?storyreel\s+(\S.*))$/.exec(segment);
      if (m) found.push({ where: `${page}:${line}`, text: m[1]!.trim(), argv: words(m[2]!) });
    }
  }
  return found;
}

// Inline code that is a command: `storyreel …` (a usage line: `[optional]`, `a\|b` alternatives), or a command
// word with options (`plan --json`, `render --frozen`).
function inlineCommands(page: string, text: string): Found[] {
  const { prose } = parts(text);
  const found: Found[] = [];
  for (const m of prose.matchAll(/`([^`\n]+(?:\n[^`\n]+)*)`/g)) {
    const line = prose.slice(0, m.index).split("\n").length;
    // `git checkout <commit> && storyreel render --frozen film.yaml`: each command on its own.
    for (const span of m[1]!.replace(/\s+/g, " ").split(" && ")) {
      const cmd = /^(?:npx )?(storyreel )?([a-z]+)(?: (.*))?$/.exec(span.trim());
      if (!cmd || !COMMANDS.includes(cmd[2]!) || (!cmd[1] && !/(^| )--[a-z]/.test(cmd[3] ?? ""))) continue;
      const argv = words(`${cmd[2]} ${cmd[3] ?? ""}`)
        .map((w) => w.replace(/[[\]]/g, "").split(/\\?\|/)[0]!)
        .filter(Boolean);
      found.push({ where: `${page}:${line}`, text: span.trim(), argv, fragment: !cmd[1] });
    }
  }
  return found;
}

// Options named on their own in inline code: `--max-cost`, `--fal-proxy URL`.
function bareOptions(page: string, text: string): { where: string; option: string }[] {
  const { prose } = parts(text);
  return [...prose.matchAll(/`(--[a-z][a-z-]*)(?:[ =][^`]*)?`/g)].map((m) => ({
    where: `${page}:${prose.slice(0, m.index).split("\n").length}`,
    option: m[1]!,
  }));
}

// `--help` after the words: the command parses them with its own option definitions, then prints its usage
// and does nothing else. An unknown option, or one missing its value, is exit 2. `retake` answers --help
// before parsing, and takes render's options (commands/retake.ts parses with parseRenderOptions).
async function parses(argv: string[], cwd: string): Promise<string | undefined> {
  const [name, ...rest] = argv;
  const r = await runInProcess([name === "retake" ? "render" : name!, ...rest, "--help"], { cwd });
  if (r.exitCode === 0 && /^Usage: storyreel /m.test(r.stdout)) return undefined;
  return (r.stderr.split("\n\n")[0] || r.stdout.split("\n")[0] || `exit ${r.exitCode}`).trim();
}

// Whether the command takes this option: `--help` right after a string option is a missing value, not unknown.
async function takes(command: string, option: string, cwd: string): Promise<boolean> {
  const r = await runInProcess([command === "retake" ? "render" : command, option, "--help"], { cwd });
  return !/Unknown option/.test(r.stderr);
}

async function known(option: string, cwd: string): Promise<boolean> {
  for (const name of COMMANDS) if (await takes(name, option, cwd)) return true;
  return false;
}

async function problemsIn(pages: { page: string; text: string }[], cwd: string): Promise<string[]> {
  const problems: string[] = [];
  for (const { page, text } of pages) {
    for (const c of [...codeCommands(page, text), ...inlineCommands(page, text)]) {
      if (c.fragment) {
        for (const option of c.argv.filter((w) => w.startsWith("--")))
          if (!(await takes(c.argv[0]!, option, cwd)))
            problems.push(`${c.where}: \`${c.text}\`: ${c.argv[0]} takes no ${option}`);
        continue;
      }
      const why = await parses(c.argv, cwd);
      if (why) problems.push(`${c.where}: \`${c.text}\`: ${why}`);
    }
    for (const o of bareOptions(page, text))
      if (!(await known(o.option, cwd))) problems.push(`${o.where}: no command takes ${o.option}`);
  }
  return problems;
}

const read = (page: string) => ({ page, text: readFileSync(path.join(REPO, page), "utf8") });

test("every storyreel command in the README and the docs parses with the command's own options", async () => {
  const cwd = await tempDir("storyreel-docs-");
  const pages = PAGES.map(read);
  const all = pages.flatMap(({ page, text }) => [...codeCommands(page, text), ...inlineCommands(page, text)]);
  // The pages really show commands, and every command storyreel has.
  assert.ok(all.length > 60, `only ${all.length} commands found`);
  assert.deepEqual([...new Set(all.map((c) => c.argv[0]))].sort(), [...COMMANDS].sort());
  assert.deepEqual(await problemsIn(pages, cwd), []);
});

test("the check itself: a made-up option, a made-up command or a missing value is caught", async () => {
  const cwd = await tempDir("storyreel-docs-");
  const page = [
    "```sh",
    "npx storyreel render film.yaml --max-cots 5     # a typo",
    "storyreel frobnicate film.yaml",
    "```",
    "Then `storyreel plan <file...> [--provider fal\\|preview] [--dry-run]`, or `render --frozen --out`,",
    "or `storyreel export film.yaml --collect`, `plan --frozen` and `--no-such-option`. But",
    "`storyreel cache gc FILE... [--keep-days N] [--all]`, `export --collect` and `--all` are fine.",
  ].join("\n");
  const problems = await problemsIn([{ page: "bad.md", text: page }], cwd);
  assert.deepEqual(
    problems.map((p) =>
      p.replace(/(: .*?: )[\s\S]*?(Unknown option '[^']+'|unknown command "\w+"|ambiguous)[\s\S]*/, "$1$2"),
    ),
    [
      "bad.md:2: `npx storyreel render film.yaml --max-cots 5`: Unknown option '--max-cots'",
      'bad.md:3: `storyreel frobnicate film.yaml`: unknown command "frobnicate"',
      "bad.md:5: `storyreel plan <file...> [--provider fal\\|preview] [--dry-run]`: Unknown option '--dry-run'",
      "bad.md:6: `storyreel export film.yaml --collect`: ambiguous",
      "bad.md:6: `plan --frozen`: plan takes no --frozen",
      "bad.md:6: no command takes --no-such-option",
    ],
  );
  assert.match(problems[0]!, /\(did you mean --max-cost\?\)/);
});

test("the docs' validate, plan and init commands run, offline, on the repository's storyboards", async () => {
  const cwd = await tempDir("storyreel-docs-run-");
  await cp(path.join(REPO, "manifests"), path.join(cwd, "manifests"), { recursive: true });
  const runnable = PAGES.map(read)
    .flatMap(({ page, text }) => codeCommands(page, text))
    .filter((c) => ["validate", "plan", "init"].includes(c.argv[0]!))
    .filter((c) => c.argv.every((w) => !/^</.test(w)))
    .filter(
      (c) =>
        c.argv[0] === "init" ||
        c.argv.slice(1).every((w) => w.startsWith("--") || existsSync(path.join(cwd, w))),
    );
  assert.ok(runnable.some((c) => c.argv[0] === "plan") && runnable.some((c) => c.argv[0] === "init"));
  for (const c of runnable) {
    const r = await runInProcess(c.argv, { cwd, env: { STORYREEL_REMOTE_CACHE: undefined } });
    assert.equal(r.exitCode, 0, `${c.where}: \`${c.text}\`\n${r.stderr}`);
  }
});

test("every npm script the pages name exists, and the README keeps the two commands for a fresh machine", () => {
  const scripts = JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8")).scripts as object;
  for (const { page, text } of PAGES.map(read))
    for (const m of text.matchAll(/npm run ([a-z][\w:-]*)/g))
      assert.ok(m[1]! in scripts, `${page} names npm run ${m[1]}, which package.json lacks`);
  const readme = read("README.md").text;
  assert.match(readme, /^npm ci && npm run demo {5}# installs, then renders .* offline .* into out\/$/m);
  assert.match(readme, /^npm test {19}# lints, type-checks and runs the test suite/m);
});

// GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens.
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-");
}

function anchors(text: string): Set<string> {
  const headings = parts(text)
    .prose.split("\n")
    .filter((l) => /^#{1,6} /.test(l));
  return new Set(headings.map((h) => slug(h.replace(/^#+ /, ""))));
}

test("every link between the README and the docs reaches a file, and a heading it has", () => {
  const broken: string[] = [];
  for (const { page, text } of PAGES.map(read)) {
    for (const m of parts(text).prose.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1]!;
      if (/^[a-z]+:/.test(target)) continue;
      const [file, anchor] = target.split("#");
      const resolved = file ? path.join(REPO, path.dirname(page), file) : path.join(REPO, page);
      if (!existsSync(resolved)) broken.push(`${page}: ${target}: no such file`);
      else if (anchor !== undefined && !anchors(readFileSync(resolved, "utf8")).has(anchor))
        broken.push(`${page}: ${target}: no such heading`);
    }
  }
  assert.deepEqual(broken, []);
});

test("the README's storyboard is a valid storyboard", async () => {
  const cwd = await tempDir("storyreel-docs-board-");
  const board = /```yaml\n([\s\S]*?)```/.exec(read("README.md").text)![1]!;
  await writeFile(path.join(cwd, "film.yaml"), board);
  for (const image of board.matchAll(/image: (images\/\S+\.png)/g)) {
    await mkdir(path.dirname(path.join(cwd, image[1]!)), { recursive: true });
    await cp(path.join(REPO, "manifests", "images", "dawn.png"), path.join(cwd, image[1]!));
  }
  const r = await runInProcess(["validate", "film.yaml"], { cwd });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /film\.yaml: valid: 2 shots/);
});

test("the render options table lists exactly the options render takes", async () => {
  const cwd = await tempDir("storyreel-docs-");
  const page = read("docs/rendering.md").text;
  const table = page.slice(page.indexOf("## `render` options"), page.indexOf("## Exit codes"));
  const documented = [...table.matchAll(/^\| `(--[a-z-]+)/gm)].map((m) => m[1]!).sort();
  const usage = (await runInProcess(["render", "--help"], { cwd })).stdout;
  const listed = [...usage.matchAll(/^ {2}(--[a-z-]+)/gm)].map((m) => m[1]!).sort();
  assert.deepEqual(documented, listed);
  for (const option of listed) assert.ok(await takes("render", option, cwd), option);
});
