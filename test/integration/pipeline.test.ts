// The library pipeline: planStoryboards returns plans, renderPlans renders them with injected
// dependencies and reports progress as one event union, in order.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import {
  findMediaTools,
  type PipelineEvent,
  planStoryboards,
  providerLoader,
  renderPlans,
  UsageError,
} from "../../src/index.js";
import { tinyProvider } from "../../testkit/tiny-provider.js";
import { makeProject, shots } from "../helpers/project.js";

const tools = findMediaTools(process.env);

async function project() {
  const board = { version: 1, output: "out/film.mp4", shots: shots(2, { audio: false }) };
  board.shots[1]!.transition = { type: "crossfade", duration: 0.5 };
  return makeProject({ images: { "a.png": [320, 320] }, storyboard: board });
}

test("renderPlans: plans in, a film and a report out, events in order, no signal or clock needed", async () => {
  const { dir, file } = await project();
  const request = { files: [file], cwd: dir, provider: "preview" as const, cacheDir: "cache" };
  const planned = await planStoryboards(request);
  assert.equal(planned.films.length, 1);
  assert.equal(planned.films[0]!.plan.shots.filter((s) => s.status === "generate").length, 2);
  assert.equal(planned.request.cacheDir, path.join(dir, "cache"), "a relative cache dir is resolved");
  const provider = providerLoader({ provider: "preview", env: {}, cacheDir: path.join(dir, "cache") });
  const events: PipelineEvent[] = [];
  const result = await renderPlans(planned, {}, { tools, provider }, (e) => events.push(e));
  assert.equal(result.films[0]!.output, path.join(dir, "out", "film.mp4"));
  assert.ok(existsSync(result.films[0]!.output));
  assert.equal(result.films[0]!.duration, 9.5);
  assert.ok(existsSync(result.reports[0]!.json) && existsSync(result.reports[0]!.html));
  const kinds = [...new Set(events.map((e) => e.type))];
  assert.deepEqual(kinds, ["start", "shot", "summary", "stitch", "film", "report"]);
  const done = events
    .filter((e) => e.type === "shot" && e.state === "done")
    .map((e) => e.type === "shot" && e.shot);
  assert.deepEqual(done.sort(), ["s1", "s2"]);
  assert.deepEqual(
    events.filter((e) => e.type === "film").map((e) => e.type === "film" && e.output),
    ["out/film.mp4"],
  );

  // Planned again, the same storyboard is up to date: no generation events, no stitch.
  const again: PipelineEvent[] = [];
  await renderPlans(await planStoryboards(request), {}, { tools, provider }, (e) => again.push(e));
  assert.deepEqual(
    again.map((e) => e.type),
    ["film", "report"],
  );
  assert.equal(again[0]!.type === "film" && again[0]!.film.upToDate, true);
});

test("renderPlans refuses over budget before loading the provider, and still writes the report", async () => {
  const { dir, file } = await project();
  const planned = await planStoryboards({ files: [file], cwd: dir, provider: "fal", cacheDir: "cache" });
  let loaded = 0;
  const provider = async () => {
    loaded += 1;
    throw new Error("must not be loaded");
  };
  await assert.rejects(renderPlans(planned, { maxCost: 0.5 }, { tools, provider }), (err: unknown) => {
    assert.ok(err instanceof UsageError);
    assert.match(err.message, /would spend \$0\.70 on 2 new clips, more than --max-cost \$0\.50/);
    return true;
  });
  assert.equal(loaded, 0);
  assert.ok(existsSync(path.join(dir, "out", "film.report.json")));
  assert.ok(!existsSync(path.join(dir, "out", "film.mp4")));
});

test("a fal render with something to make loads its provider once, while the pre-flight checks run", async () => {
  const { dir, file } = await project();
  const planned = await planStoryboards({ files: [file], cwd: dir, provider: "fal", cacheDir: "cache" });
  let loaded = 0;
  const provider = async () => {
    loaded += 1;
    return tinyProvider;
  };
  const events: PipelineEvent[] = [];
  await renderPlans(planned, {}, { tools, provider }, (e) => events.push(e));
  assert.equal(loaded, 1);
  assert.ok(existsSync(path.join(dir, "out", "film.mp4")));
  // A provider that fails to load fails the render where it is used, not before the report.
  const failing = await planStoryboards({
    files: [file],
    cwd: dir,
    provider: "fal",
    cacheDir: "other-cache",
  });
  await assert.rejects(
    renderPlans(failing, {}, { tools, provider: () => Promise.reject(new Error("no client")) }),
    /no client/,
  );
  assert.ok(existsSync(path.join(dir, "out", "film.report.json")));
});

test("a refused or interrupted render keeps the film in its report, and says why it stopped", async () => {
  const { dir, file } = await project();
  const cacheDir = path.join(dir, "cache");
  const first = await renderPlans(
    await planStoryboards({ files: [file], cwd: dir, provider: "preview", cacheDir }),
    {},
    { tools, provider: async () => tinyProvider },
  );
  const film = first.films[0]!;
  const read = async () => JSON.parse(await readFile(path.join(dir, "out", "film.report.json"), "utf8"));
  assert.deepEqual((await read()).run, { status: "ok" });

  // fal keys are new, so this render would pay; --max-cost refuses it.
  const paid = await planStoryboards({ files: [file], cwd: dir, provider: "fal", cacheDir });
  await assert.rejects(renderPlans(paid, { maxCost: 0.1 }, { tools, provider: async () => tinyProvider }));
  const refused = await read();
  assert.equal(refused.run.status, "refused");
  assert.match(refused.run.message, /more than --max-cost \$0\.10/);
  assert.deepEqual(refused.film, {
    path: "film.mp4",
    duration: film.duration,
    key: film.key,
    mode: film.mode,
    up_to_date: false,
    from_earlier_render: true,
  });
  const html = await readFile(path.join(dir, "out", "film.html"), "utf8");
  assert.match(html, /This render was refused: this render would spend/);
  assert.match(html, /<video id="film" src="film\.mp4"/);

  // Ctrl-C before anything was submitted: interrupted, the earlier film still shown.
  const stop = new AbortController();
  stop.abort();
  const edited = await planStoryboards({
    files: [file],
    cwd: dir,
    provider: "preview",
    cacheDir: "other-cache",
  });
  await assert.rejects(
    renderPlans(edited, {}, { tools, provider: async () => tinyProvider, signal: stop.signal }),
    /interrupted/,
  );
  const interrupted = await read();
  assert.equal(interrupted.run.status, "interrupted");
  assert.equal(interrupted.film.from_earlier_render, true);
  assert.ok(existsSync(film.output));
});

test("the library's runCli works with only the fields a caller cares about", async () => {
  const { runCli } = await import("../../src/index.js");
  const { dir, file } = await project();
  const lines: string[] = [];
  const code = await runCli(["plan", file, "--provider", "preview"], {
    cwd: dir,
    stdout: (t) => lines.push(t),
  });
  assert.equal(code, 0);
  assert.match(lines.join("\n"), /2 shots, 10 s of clips: 2 to generate/);
});
