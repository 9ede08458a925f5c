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
import { test } from "node:test";
import { chromium, type Page } from "playwright-core";
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

shots:
  # Two takes, so the page can pick the second.
  - id: arrival
    image: images/a.png
    prompt: a red morning # the first light
    takes: 2

  - id: walk
    image: images/b.png
    prompt: a quiet green noon
    transition: { type: crossfade, duration: 0.5 }
`;

test("the studio page: plan, render with confirmation, every shot done, pick, edit, undo, outside saves", {
  skip: !existsSync(CHROMIUM) && "no chromium at /usr/bin/chromium (CI installs it)",
  timeout: 180_000,
}, async (t) => {
  const fake = await new FakeFal({ key: TEST_FAL_KEY, latencyMs: 400 }).start();
  const project = await makeProject({
    images: { "a.png": [480, 320, [200, 80, 40]], "b.png": [480, 320, [40, 160, 80]] },
    storyboard: {},
  });
  await writeFile(project.file, STORYBOARD);
  const cache = path.join(project.dir, "cache");
  const child = spawnStoryreel(["studio", project.file], { cwd: project.dir, env: falEnv(fake, cache) });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const browser = await chromium.launch({
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
  try {
    await until(() => /\?token=\S+/.test(stdout) || child.exitCode !== null);
    const url = stdout.match(/^storyreel studio: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)$/m)?.[1];
    assert.ok(url, `the studio printed its address (stdout: ${stdout}, stderr: ${stderr})`);
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    const errors = watchErrors(page);
    await page.goto(url, { waitUntil: "load" });

    // The plan: both shots to make, and what that spends.
    for (const id of ["arrival", "walk"])
      await page.waitForSelector(`tr[data-id="shot:${id}"][data-status="generate"]`);
    assert.match(await text(page, "#plan-cost"), /would spend \$[1-9]\d*\.\d\d|would spend \$0\.[1-9]\d/);
    assert.equal(await page.locator("#shot-arrival .take").count(), 2);

    // Render: the page asks first (fal costs money), then follows every step live.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seen: string[] }).seen = seen;
      new MutationObserver((ms) => {
        for (const m of ms) seen.push((m.target as HTMLElement).dataset.state ?? "");
      }).observe(document.getElementById("shots")!, {
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
    assert.equal(fake.jobs.size, 3, "two takes of arrival and one walk");
    for (const id of ["arrival", "walk"])
      await page.waitForSelector(`tr[data-id="shot:${id}"][data-status="cached"]`);
    assert.match(await text(page, "#plan-cost"), /would spend \$0\.00/);
    const seconds = await page.$eval("#film", (v) => {
      const video = v as HTMLVideoElement;
      return video.readyState >= 1
        ? video.duration
        : new Promise<number>((resolve) =>
            video.addEventListener("loadedmetadata", () => resolve(video.duration), { once: true }),
          );
    });
    assert.ok(seconds > 1, `the film plays (${seconds} s)`);
    const shot = SCREENSHOT ? path.resolve(REPO, SCREENSHOT) : path.join(project.dir, "studio.png");
    await mkdir(path.dirname(shot), { recursive: true });
    await page.screenshot({ path: shot });

    // Pick take 2 of arrival: the lockfile on disk changes, and the page shows the cascade's cost.
    const lockFile = lockPath(project.file);
    assert.equal(lockStep(await readFile(lockFile, "utf8"), "shot:arrival").take, 1);
    await page.getByRole("button", { name: "Pick take 2 of arrival" }).click();
    await until(async () => lockStep(await readFile(lockFile, "utf8"), "shot:arrival").take === 2);
    assert.equal(lockStep(await readFile(lockFile, "utf8"), "shot:arrival").picked, true);
    await page.waitForSelector('#shot-arrival .take.used[data-take="2"]');
    assert.match(await text(page, "#status"), /picked take 2 of arrival; a render now would spend \$0\.00/);

    // Edit walk's prompt in place: only that value changes in the file, and the plan makes walk again.
    const prompt = page.getByRole("textbox", { name: "Prompt of walk" });
    await prompt.fill("a quiet green dusk");
    await prompt.press("Control+Enter");
    const edited = STORYBOARD.replace("prompt: a quiet green noon", "prompt: a quiet green dusk");
    await until(async () => (await readFile(project.file, "utf8")) === edited);
    await page.waitForSelector('tr[data-id="shot:walk"][data-status="generate"]');
    assert.match(await text(page, '#shot-walk [data-testid="reason"]'), /prompt/);
    assert.match(await text(page, "#plan-cost"), /would spend \$0\.[1-9]\d|would spend \$[1-9]/);
    await page.waitForSelector('tr[data-id="shot:arrival"][data-status="cached"]');

    // Ctrl-Z (outside a field) undoes it: the file is as it was, walk is cached again.
    await page.locator("h1").click();
    await page.keyboard.press("Control+z");
    await until(async () => (await readFile(project.file, "utf8")) === STORYBOARD);
    await page.waitForSelector('tr[data-id="shot:walk"][data-status="cached"]');

    // A save from outside (an editor) reaches the open page within a second, with no reload.
    await page.waitForTimeout(300);
    const outside = STORYBOARD.replace("a red morning", "a red evening");
    const saved = Date.now();
    await writeFile(project.file, outside);
    await page.waitForFunction(
      () =>
        (document.querySelector('[data-testid="prompt-arrival"]') as HTMLTextAreaElement | null)?.value ===
        "a red evening",
      undefined,
      { timeout: 5_000 },
    );
    const took = Date.now() - saved;
    assert.ok(took <= 1000, `the page showed the outside save after ${took} ms`);
    t.diagnostic(`the page showed a save made outside after ${took} ms`);
    await page.waitForSelector('tr[data-id="shot:arrival"][data-status="generate"]');

    // A save that does not validate: its problems with their lines, above the last good view.
    await writeFile(project.file, outside.replace("takes: 2", "takes: 2\n    duration: -3"));
    await page.waitForSelector("#problems:not([hidden])");
    assert.match(await text(page, "#problems"), /storyboard\.yaml:\d+:\d+: .*duration/);
    assert.equal(await page.locator("#shots .card").count(), 2, "the last good view stays");
    await writeFile(project.file, outside);
    await page.waitForSelector("#problems", { state: "hidden" });

    const content = await page.content();
    assert.ok(!content.includes(fake.key), "the page never sees FAL_KEY");
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    child.kill("SIGINT");
    const r = await child;
    await fake.stop();
    assert.equal(r.exitCode, 0, r.stderr);
  }
});

// Console errors and failed requests, except the answers the page expects: the 409 that asks to confirm a render.
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" && !/status of 409/.test(m.text())) errors.push(m.text());
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
