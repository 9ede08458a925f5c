// The studio in a real browser (Debian's chromium via playwright-core, as the contact-sheet test uses it) against
// the fake fal, with `storyreel studio` as a real process: the page shows the plan, renders once asked, follows
// every shot to done, picks take 2 (the lockfile changes on disk), edits a prompt (the YAML keeps its comments and
// the plan makes that shot again), undoes it with Ctrl-Z, and follows saves made outside within a second.
// Skipped, and said so, only where no chromium is installed. The README's docs/studio.png is this page after the
// render:   STORYREEL_SCREENSHOT=docs/studio.png npx tsx --test test/e2e/studio.test.ts
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import { type Browser, chromium, type Page } from "playwright-core";
import { parse } from "yaml";
import { lockPath } from "../../src/project/lockfile.js";
import { REPO, spawnStoryreel, until } from "../../testkit/cli.js";
import { FakeFal, TEST_FAL_KEY } from "../../testkit/fake-fal.js";
import { falEnv } from "../../testkit/fal-env.js";
import { makeProject } from "../helpers/project.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SCREENSHOT = process.env.STORYREEL_SCREENSHOT;

// Comments, blank lines and a flow map: every edit must leave all of it as it is.
const STORYBOARD = `# The studio's test film. Every comment here must survive the page's edits.
version: 1
title: Studio test
output: out/studio.mp4

stills:
  keeper: { prompt: a lighthouse keeper at dawn } # made first, then animated

shots:
  # Two takes, so the page can pick the second.
  - id: arrival
    image: { still: keeper }
    prompt: a red morning # the first light
    takes: 2

  - id: walk
    image: images/b.png
    prompt: a quiet green noon
    transition: { type: crossfade, duration: 0.5 }
`;
// The same storyboard as an editor would save it with one prompt changed.
const OUTSIDE = STORYBOARD.replace("a red morning", "a red evening");

const SKIP = !existsSync(CHROMIUM) && "no chromium at /usr/bin/chromium (CI installs it)";

// One studio, one browser and one page for the whole file: each test below goes on from where the last one left.
let fake: FakeFal;
let project: { dir: string; file: string };
let studio: ReturnType<typeof spawnStoryreel>;
let stderr = "";
let browser: Browser;
let page: Page;
let url: string;
let errors: string[];

before(async () => {
  if (SKIP) return;
  fake = await new FakeFal({ key: TEST_FAL_KEY, latencyMs: 400 }).start();
  project = await makeProject({
    images: { "a.png": [480, 320, [200, 80, 40]], "b.png": [480, 320, [40, 160, 80]] },
    storyboard: {},
  });
  await writeFile(project.file, STORYBOARD);
  const cache = path.join(project.dir, "cache");
  // One step at fal at a time, so that Stop (below) finds steps not submitted yet.
  studio = spawnStoryreel(["studio", project.file, "--concurrency", "1"], {
    cwd: project.dir,
    env: falEnv(fake, cache),
  });
  let stdout = "";
  studio.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
  studio.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  await until(() => /\?token=\S+/.test(stdout) || studio.exitCode !== null);
  const printed = stdout.match(/^storyreel studio: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)$/m)?.[1];
  assert.ok(printed, `the studio printed its address (stdout: ${stdout}, stderr: ${stderr})`);
  url = printed;
  page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  errors = watchErrors(page);
  await page.goto(url, { waitUntil: "load" });
});

after(async () => {
  await browser?.close();
  if (studio && studio.exitCode === null) studio.kill("SIGKILL");
  await studio;
  await fake?.stop();
});

test("the page shows the plan; Render asks before paying, then follows every shot to done; the film plays", {
  skip: SKIP,
}, async () => {
  // The plan: both shots to make, and what that spends.
  for (const id of ["arrival", "walk"])
    await page.waitForSelector(`tr[data-id="shot:${id}"][data-status="generate"]`);
  assert.match(await text(page, "#plan-cost"), /would spend \$[1-9]\d*\.\d\d|would spend \$0\.[1-9]\d/);
  assert.equal(await page.locator("#shot-arrival .take").count(), 2);
  // Every state a shot card shows, to see the progress arrive live.
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { seen: string[] }).seen = seen;
    new MutationObserver((ms) => {
      for (const m of ms) seen.push((m.target as HTMLElement).dataset.state ?? "");
    }).observe(document.getElementById("board")!, {
      attributes: true,
      subtree: true,
      attributeFilter: ["data-state"],
    });
  });
  await page.getByRole("button", { name: "Render" }).click();
  await page.waitForSelector("#confirm[open]");
  assert.match(await text(page, "#confirm-text"), /\$\d+\.\d\d/);
  assert.equal(fake.jobs.size, 0, "nothing is submitted before the confirmation");
  await page.getByTestId("confirm-ok").click();
  for (const id of ["arrival", "walk"])
    await page.waitForSelector(`#shot-${id}[data-state="done"]`, { timeout: 60_000 });
  await page.waitForSelector('#shot-arrival .take[data-take="2"] .live.state-done', { timeout: 60_000 });
  await page.waitForFunction(() =>
    document.getElementById("status")!.textContent!.startsWith("render finished"),
  );
  const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
  assert.ok(
    seen.some((s) => ["in_queue", "in_progress", "downloading", "uploading"].includes(s)),
    `progress showed the steps on their way (${[...new Set(seen)].join(", ")})`,
  );
  assert.equal(fake.jobs.size, 4, "the still, two takes of arrival and one walk");
  for (const id of ["arrival", "walk"])
    await page.waitForSelector(`tr[data-id="shot:${id}"][data-status="cached"]`);
  assert.match(await text(page, "#plan-cost"), /would spend \$0\.00/);
  // The still shows: its image is loaded and decoded.
  await page.waitForFunction(() => {
    const img = document.querySelector("#still-keeper .take.used img") as HTMLImageElement | null;
    return !!img?.complete && img.naturalWidth > 0;
  });
  const seconds = await page.$eval("#film", (v) => {
    const video = v as HTMLVideoElement;
    return video.readyState >= 1
      ? video.duration
      : new Promise<number>((resolve) =>
          video.addEventListener("loadedmetadata", () => resolve(video.duration), { once: true }),
        );
  });
  assert.ok(seconds > 1, `the film plays (${seconds} s)`);
  // A frame of the film in the picture, not a black box.
  await page.$eval(
    "#film",
    (v) =>
      new Promise((resolve) => {
        v.addEventListener("seeked", resolve, { once: true });
        (v as HTMLVideoElement).currentTime = 1;
      }),
  );
  const shot = SCREENSHOT ? path.resolve(REPO, SCREENSHOT) : path.join(project.dir, "studio.png");
  await mkdir(path.dirname(shot), { recursive: true });
  await page.screenshot({ path: shot });
});

test("Pick take 2: the lockfile changes on disk and the page shows the cascade's cost; Retake asks, Cancel spends nothing", {
  skip: SKIP,
}, async () => {
  const lockFile = lockPath(project.file);
  assert.equal(lockStep(await readFile(lockFile, "utf8"), "shot:arrival").take, 1);
  await page.getByRole("button", { name: "Pick take 2 of arrival" }).click();
  await until(async () => lockStep(await readFile(lockFile, "utf8"), "shot:arrival").take === 2);
  assert.equal(lockStep(await readFile(lockFile, "utf8"), "shot:arrival").picked, true);
  await page.waitForSelector('#shot-arrival .take.used[data-take="2"]');
  assert.match(await text(page, "#status"), /picked take 2 of arrival; a render now would spend \$0\.00/);
  // Retake asks before paying; Cancel spends nothing and leaves the lock as it is.
  const jobs = fake.jobs.size;
  const lock = await readFile(lockFile, "utf8");
  await page.getByRole("button", { name: "Retake walk" }).click();
  await page.waitForSelector("#confirm[open]");
  assert.match(await text(page, "#confirm-text"), /\$\d+\.\d\d/);
  await page.getByTestId("confirm-cancel").click();
  await page.waitForFunction(() => document.getElementById("status")!.textContent!.includes("cancelled"));
  assert.equal(fake.jobs.size, jobs);
  assert.equal(await readFile(lockFile, "utf8"), lock);
});

test("an edited prompt is written with every comment kept, the plan makes that shot again, Ctrl-Z undoes it", {
  skip: SKIP,
}, async () => {
  const prompt = page.getByRole("textbox", { name: "Prompt of walk" });
  await prompt.fill("a quiet green dusk");
  await prompt.press("Control+Enter");
  const edited = STORYBOARD.replace("prompt: a quiet green noon", "prompt: a quiet green dusk");
  await until(async () => (await readFile(project.file, "utf8")) === edited);
  await page.waitForSelector('tr[data-id="shot:walk"][data-status="generate"]');
  assert.match(await text(page, '#shot-walk [data-testid="reason"]'), /prompt/);
  assert.match(await text(page, "#plan-cost"), /would spend \$0\.[1-9]\d|would spend \$[1-9]/);
  assert.equal(await page.locator('tr[data-id="shot:arrival"]').getAttribute("data-status"), "cached");
  // Ctrl-Z outside a field: the file is as it was, walk is cached again.
  await page.locator("h1").click();
  await page.keyboard.press("Control+z");
  await until(async () => (await readFile(project.file, "utf8")) === STORYBOARD);
  await page.waitForSelector('tr[data-id="shot:walk"][data-status="cached"]');
});

test("a save from outside reaches the page within a second; one that does not validate shows its problems", {
  skip: SKIP,
}, async (t) => {
  // The studio's watch settles a change a moment after it sees one; start from a quiet file.
  await page.waitForTimeout(300);
  const saved = Date.now();
  await writeFile(project.file, OUTSIDE);
  await page.waitForFunction(
    () =>
      (document.querySelector('[data-testid="prompt-arrival"]') as HTMLTextAreaElement | null)?.value ===
      "a red evening",
    undefined,
    { timeout: 5_000 },
  );
  const took = Date.now() - saved;
  t.diagnostic(`the page showed a save made outside after ${took} ms`);
  assert.ok(took <= 1000, `the page showed the outside save after ${took} ms`);
  await page.waitForSelector('tr[data-id="shot:arrival"][data-status="generate"]');
  // Not valid: its problems with their lines, above the last good view; valid again, they go.
  await writeFile(project.file, OUTSIDE.replace("takes: 2", "takes: 2\n    duration: -3"));
  await page.waitForSelector("#problems:not([hidden])");
  assert.match(await text(page, "#problems"), /storyboard\.yaml:\d+:\d+: .*duration/);
  assert.equal(await page.locator("#board .card").count(), 3, "the last good view stays");
  await writeFile(project.file, OUTSIDE);
  await page.waitForSelector("#problems", { state: "hidden" });
});

test("an edit that does not validate is refused at its field, its text kept, nothing written; Escape reverts", {
  skip: SKIP,
}, async () => {
  const duration = page.getByRole("spinbutton", { name: "Duration of walk" });
  await duration.fill("-3");
  await duration.press("Enter");
  await page.waitForSelector('[data-testid="field-duration-walk"].invalid');
  assert.match(await text(page, '[data-testid="field-duration-walk"] .error'), /duration/);
  assert.equal(await duration.inputValue(), "-3", "the text is kept");
  assert.equal(await readFile(project.file, "utf8"), OUTSIDE);
  // Escape puts back the value the file has.
  await duration.press("Escape");
  await page.waitForSelector('[data-testid="field-duration-walk"]:not(.invalid)');
  assert.equal(await duration.inputValue(), "5");
});

test("a page whose view is stale edits: nothing is written, it says so and takes the fresh view", {
  skip: SKIP,
}, async () => {
  // Its event stream cut, the second page never hears of the save below.
  const stale = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  try {
    await stale.route(/\/api\/events/, (route) => route.abort());
    await stale.goto(url, { waitUntil: "load" });
    await stale.waitForSelector("#shot-walk");
    const newer = OUTSIDE.replace("a quiet green noon", "a green evening");
    await writeFile(project.file, newer);
    await page.waitForFunction(
      () =>
        (document.querySelector('[data-testid="prompt-walk"]') as HTMLTextAreaElement).value ===
        "a green evening",
    );
    const arrival = stale.getByRole("textbox", { name: "Prompt of arrival" });
    await arrival.fill("a red night");
    await arrival.press("Control+Enter");
    await stale.waitForFunction(() =>
      document.getElementById("notice")!.textContent!.includes("the storyboard changed on disk; reloaded"),
    );
    assert.equal(
      await stale.getByRole("textbox", { name: "Prompt of walk" }).inputValue(),
      "a green evening",
    );
    assert.equal(await arrival.inputValue(), "a red evening", "the fresh view, the edit dropped");
    assert.equal(await readFile(project.file, "utf8"), newer);
  } finally {
    await stale.close();
  }
});

test("Stop while rendering: nothing new is submitted, what fal was paid for is collected", {
  skip: SKIP,
}, async (t) => {
  const jobs = fake.jobs.size;
  fake.options.latencyMs = 2000;
  await page.getByRole("button", { name: "Render" }).click();
  await page.waitForSelector("#confirm[open]");
  await page.getByTestId("confirm-ok").click();
  await page.waitForSelector("#stop:not([hidden])");
  await fake.until(() => fake.jobs.size > jobs);
  await page.getByRole("button", { name: "Stop the render" }).click();
  await page.waitForSelector("#stop", { state: "hidden", timeout: 30_000 });
  assert.equal(fake.jobs.size, jobs + 1, "the step at fal when Stop was pressed, and no other");
  assert.ok(
    [...fake.jobs.values()].every((j) => j.fetched),
    "what was paid for was collected",
  );
  assert.equal(await page.getByRole("button", { name: "Render" }).isEnabled(), true);
  assert.match(await text(page, "#status"), /the render stopped/);
  t.diagnostic(`after Stop the page says: ${await text(page, "#error")}`);
  // The steps never submitted are still to make (which ones depends on the order fal was asked in).
  await page.waitForSelector('#plan tr[data-status="generate"]');
  assert.match(await text(page, "#plan-cost"), /would spend \$0\.[1-9]\d|would spend \$[1-9]/);
});

test("no console errors, no FAL_KEY in the page, and Ctrl-C closes the studio", { skip: SKIP }, async () => {
  assert.ok(!(await page.content()).includes(fake.key), "the page never sees FAL_KEY");
  assert.deepEqual(errors, []);
  studio.kill("SIGINT");
  const r = await studio;
  assert.equal(r.exitCode, 0, stderr);
});

// Console errors and failed requests, except the answers the page expects: a 409 that asks to confirm a render,
// a 400 for an edit that does not validate.
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" && !/status of (400|409)/.test(m.text())) errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  // A video with preload="metadata" stops its own download once it has the header: ERR_ABORTED is not a failure.
  page.on(
    "requestfailed",
    (req) =>
      req.failure()?.errorText !== "net::ERR_ABORTED" &&
      errors.push(`request failed: ${req.url()} ${req.failure()?.errorText}`),
  );
  return errors;
}

async function text(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).textContent()) ?? "";
}

function lockStep(yaml: string, id: string): { take: number; picked?: boolean } {
  const lock = parse(yaml) as { steps: Array<{ id: string; take: number; picked?: boolean }> };
  const step = lock.steps.find((s) => s.id === id);
  assert.ok(step, `the lock has ${id}`);
  return step;
}
