// `storyreel models`, in process: every shipped family with its sources, one family in full with figures
// worked out here from its file, --json for scripts, a project's own model files (added, shadowing, invalid),
// an unknown name, and the example model file docs/models.md shows.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { REPO, runInProcess, tempDir } from "../../testkit/cli.js";

const VIDEO = path.join(REPO, "models", "video");
const shippedFile = (name: string) => JSON.parse(readFileSync(path.join(VIDEO, `${name}.json`), "utf8"));
const shipped = readdirSync(VIDEO).filter((f) => f.endsWith(".json"));

interface Json {
  version: number;
  families: Array<{
    family: string;
    origin: string;
    file: string;
    shadows: string[];
    shadowed_by: Array<{ name: string; file: string }>;
    sources: Array<{ url: string; read: string; what: string }>;
    modes: Array<{ mode: string; endpoint: string; durations: number[]; per_5s: { usd: number | null } }>;
  }>;
}

// A folder with models/<file> holding `family`, as a project would bring it.
async function project(file: string, family: unknown): Promise<string> {
  const dir = await tempDir("storyreel-models-");
  await mkdir(path.join(dir, "models"));
  await writeFile(
    path.join(dir, "models", file),
    typeof family === "string" ? family : JSON.stringify(family, null, 2),
  );
  return dir;
}

test("models lists every shipped family, at least 10, each with its modes and a 5 s price", async () => {
  const r = await runInProcess(["models"], { cwd: await tempDir() });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.ok(shipped.length >= 10, `only ${shipped.length} shipped families`);
  for (const f of shipped)
    assert.match(r.stdout, new RegExp(`^${f.replace(/\.json$/, "").replace(/\./g, "\\.")} `, "m"));
  assert.match(r.stdout, /^kling-2\.6-pro +text, image +\$0\.70 +5 or 10$/m);
  assert.match(r.stdout, /storyreel models NAME/);
});

test("every shipped family shows each of its sources with the date it was read", async () => {
  const cwd = await tempDir();
  for (const file of shipped) {
    const doc = shippedFile(file.replace(/\.json$/, ""));
    const r = await runInProcess(["models", doc.family], { cwd });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.ok(doc.sources.length >= 1);
    for (const s of doc.sources)
      assert.ok(r.stdout.includes(`read ${s.read}  ${s.url}`), `${file}: ${s.url}`);
  }
});

test("models veo-3.1: its 4 modes, 4, 6 or 8 s, and the 5 s price its file gives at 720p with audio", async () => {
  const veo = shippedFile("veo-3.1");
  const t2v = veo.modes["text-to-video"];
  assert.deepEqual(t2v.durations, [4, 6, 8]);
  assert.equal(t2v.default_resolution, "720p");
  // The first rule that holds for a clip with audio at 720p, worked out here from the file.
  const rule = veo.price.rules.find(
    (x: { when?: { audio?: boolean; resolution?: string[] } }) =>
      x.when?.audio !== false && (!x.when?.resolution || x.when.resolution.includes("720p")),
  );
  const five = `$${(rule.per_second * 5).toFixed(2)}`;
  const six = `$${(rule.per_second * 6).toFixed(2)}`;
  const eight = `$${(rule.per_second * 8).toFixed(2)}`;
  assert.deepEqual([five, six, eight], ["$2.00", "$2.40", "$3.20"]);
  for (const name of ["veo-3.1", "veo3.1", "fal-ai/veo3.1/first-last-frame-to-video"]) {
    const r = await runInProcess(["models", name], { cwd: await tempDir() });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /^veo-3\.1: Veo 3\.1 \(also veo3\.1, google-veo-3\.1\)$/m);
    const modes = [...r.stdout.matchAll(/^([a-z-]+): (fal-ai\/\S+)$/gm)].map((m) => [m[1], m[2]]);
    assert.deepEqual(
      modes,
      Object.entries(veo.modes).map(([mode, doc]) => [mode, (doc as { endpoint: string }).endpoint]),
    );
    assert.equal(modes.length, 4);
    assert.equal(r.stdout.match(/^ {2}durations +4, 6 or 8 s$/gm)?.length, 3);
    assert.match(r.stdout, /^ {2}durations +8 s$/m);
    assert.match(r.stdout, /^ {2}resolutions +720p \(default\), 1080p or 4k$/m);
    assert.match(r.stdout, /^ {2}audio +optional/m);
    assert.match(
      r.stdout,
      /^ {2}references +1 to 3; no numbered tags: a prompt's @keeper is sent as keeper$/m,
    );
    assert.match(
      r.stdout,
      /^price: \$0\.60\/s with audio at 4k; .*\$0\.20\/s without audio at 720p or 1080p \(every mode\)$/m,
    );
    assert.ok(
      r.stdout.includes(`${five} per 5 s with audio at 720p (makes 4, 6 or 8 s; the 6 s clip: ${six})`),
      r.stdout,
    );
    assert.ok(r.stdout.includes(`${five} per 5 s with audio at 720p (makes 8 s; the 8 s clip: ${eight})`));
  }
});

test("models --json: a versioned value with at least 10 families, each with modes, 5 s prices and sources", async () => {
  const r = await runInProcess(["models", "--json"], { cwd: await tempDir() });
  assert.equal(r.exitCode, 0, r.stderr);
  const json = JSON.parse(r.stdout) as Json;
  assert.equal(json.version, 1);
  assert.ok(json.families.length >= 10);
  for (const f of json.families) {
    assert.ok(f.sources.length >= 1, f.family);
    for (const s of f.sources) assert.match(s.read, /^\d{4}-\d{2}-\d{2}$/);
    assert.ok(f.modes.length >= 1, f.family);
    for (const m of f.modes) assert.equal(typeof m.per_5s.usd, "number", `${f.family} ${m.mode}`);
  }
  const hailuo = json.families.find((f) => f.family === "hailuo-2.3-pro")!;
  assert.equal(hailuo.file, "models/video/hailuo-2.3-pro.json");
  assert.deepEqual(
    hailuo.modes.map((m) => m.per_5s.usd),
    hailuo.modes.map(() => shippedFile("hailuo-2.3-pro").price.rules[0].per_clip),
  );
  const one = JSON.parse(
    (await runInProcess(["models", "sora-2", "--json"], { cwd: await tempDir() })).stdout,
  );
  assert.deepEqual(
    one.families.map((f: { family: string }) => f.family),
    ["sora-2"],
  );
});

test("a project's own family under a new alias is listed and marked as the project's", async () => {
  const copy = { ...shippedFile("kling-2.6-pro"), family: "house-kling", aliases: ["our-kling"] };
  const cwd = await project("house.json", copy);
  const list = await runInProcess(["models"], { cwd });
  assert.equal(list.exitCode, 0, list.stderr);
  assert.match(
    list.stdout,
    /^house-kling +text, image +\$0\.70 +5 or 10 +\(project: models\/house\.json\)$/m,
  );
  assert.match(list.stdout, /^kling-2\.6-pro +text, image +\$0\.70 +5 or 10$/m);
  const one = await runInProcess(["models", "our-kling"], { cwd });
  assert.match(
    one.stdout,
    /^house-kling: Kling 2\.6 Pro \(also our-kling\)\n\(project: models\/house\.json\)$/m,
  );
  // The same folder named by STORYREEL_MODELS, from elsewhere.
  const env = { STORYREEL_MODELS: path.join(cwd, "models") };
  const elsewhere = await runInProcess(["models", "house-kling", "--json"], { cwd: await tempDir(), env });
  const json = JSON.parse(elsewhere.stdout) as Json;
  assert.equal(json.families[0]!.origin, "project");
  assert.equal(json.families[0]!.file, path.join(cwd, "models", "house.json"));
});

test("a project file that takes veo-3.1's name is marked as shadowing it, and wins the name", async () => {
  const veo = shippedFile("veo-3.1");
  const cwd = await project("veo.json", { ...veo, name: "Our Veo", aliases: [] });
  const list = await runInProcess(["models"], { cwd });
  assert.equal(list.exitCode, 0, list.stderr);
  assert.match(list.stdout, /^veo-3\.1 .*\(project: models\/veo\.json; shadows the shipped veo-3\.1\)$/m);
  assert.match(list.stdout, /^veo-3\.1 .*\(shadowed by models\/veo\.json for veo-3\.1\)$/m);
  const one = await runInProcess(["models", "veo-3.1"], { cwd });
  assert.match(
    one.stdout,
    /^veo-3\.1: Our Veo\n\(project: models\/veo\.json; shadows the shipped veo-3\.1\)$/m,
  );
  const json = JSON.parse((await runInProcess(["models", "--json"], { cwd })).stdout) as Json;
  const both = json.families.filter((f) => f.family === "veo-3.1");
  assert.deepEqual(
    both.map((f) => [f.origin, f.shadows, f.shadowed_by]),
    [
      ["project", ["veo-3.1"], []],
      ["shipped", [], [{ name: "veo-3.1", file: "models/veo.json" }]],
    ],
  );
});

test("an invalid project model file exits 2 naming its file, line and column", async () => {
  const broken = { ...shippedFile("sora-2"), family: "broken-sora" };
  broken.modes["text-to-video"].durations = "five";
  const text = JSON.stringify(broken, null, 2);
  const lines = text.split("\n");
  const line = lines.findIndex((l) => l.includes('"durations": "five"'));
  const col = lines[line]!.indexOf('"five"') + 1;
  const cwd = await project("broken.json", text);
  for (const args of [["models"], ["models", "sora-2"], ["models", "--json"]]) {
    const r = await runInProcess(args, { cwd });
    assert.equal(r.exitCode, 2);
    assert.equal(r.stdout, "");
    assert.match(
      r.stderr,
      new RegExp(
        `^models/broken\\.json:${line + 1}:${col}: modes\\.text-to-video\\.durations: must be array`,
        "m",
      ),
    );
  }
});

test("an unknown name exits 2, naming the known models and the nearest", async () => {
  const r = await runInProcess(["models", "veo3"], { cwd: await tempDir() });
  assert.equal(r.exitCode, 2);
  assert.equal(r.stdout, "");
  assert.match(
    r.stderr,
    /^error: unknown model "veo3"; known models: hailuo-2\.3-pro, kling-2\.6-pro, .*veo-3\.1/,
  );
  assert.match(r.stderr, /\(did you mean "veo3\.1"\?\)/);
  const two = await runInProcess(["models", "veo-3.1", "sora-2"], { cwd: await tempDir() });
  assert.equal(two.exitCode, 2);
});

test("the example model file in docs/models.md is valid, and a storyboard can use it", async () => {
  const page = readFileSync(path.join(REPO, "docs", "models.md"), "utf8");
  const blocks = [...page.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const example = blocks.find((b) => b.includes('"fal-ai/example/video"'))!;
  assert.ok(example, "docs/models.md shows an example model file");
  const cwd = await project("example.json", example);
  const r = await runInProcess(["models", "fal-ai/example/video"], { cwd });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /^\(project: models\/example\.json\)$/m);
  await writeFile(
    path.join(cwd, "film.yaml"),
    "version: 1\ndefaults: { model: example-video }\nshots:\n  - id: storm\n    prompt: black waves break over the rocks\n    duration: 5\n",
  );
  const v = await runInProcess(["validate", "film.yaml"], { cwd });
  assert.equal(v.exitCode, 0, v.stderr);
  assert.match(v.stdout, /film\.yaml: valid: 1 shot, 5 s of clips/);
});

test("models lists the finishing passes after the families, and shows one in full by name", async () => {
  const dir = await tempDir("storyreel-models-");
  const table = await runInProcess(["models"], { cwd: dir });
  assert.equal(table.exitCode, 0, table.stderr);
  // Kling lip-sync: $0.07 per started 5 s; the upscaler to 1080p: 5 s x $0.0072 = $0.036, $0.04 to the cent.
  assert.match(
    table.stdout,
    /kling-lipsync\s+lipsync\s+\$0\.07\s+fal-ai\/kling-video\/lipsync\/audio-to-video/,
  );
  assert.match(table.stdout, /bytedance-upscaler\s+upscale\s+\$0\.04 \(to 1080p\)/);
  const one = await runInProcess(["models", "sync-lipsync-2"], { cwd: dir });
  assert.equal(one.exitCode, 0, one.stderr);
  assert.match(one.stdout, /sync modes: cut_off, loop, bounce, silence, remap/);
  assert.match(one.stdout, /\(read 2026-12-06\)/);
  const json = JSON.parse((await runInProcess(["models", "--json"], { cwd: dir })).stdout);
  assert.deepEqual(
    json.passes.map((p: { name: string; kind: string }) => [p.name, p.kind]),
    [
      ["bytedance-upscaler", "upscale"],
      ["kling-lipsync", "lipsync"],
      ["sync-lipsync-2", "lipsync"],
    ],
  );
});
