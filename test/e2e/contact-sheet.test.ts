// The contact sheet in a real browser (Debian's chromium via playwright-core): it loads cleanly, shows every
// poster and plays the film. Skipped, and said so, only where no chromium is installed.
// Everything is written to a temp dir. The README's docs/contact-sheet.png is of the real demo storyboard:
//   STORYREEL_SCREENSHOT=docs/contact-sheet.png npx tsx --test test/e2e/contact-sheet.test.ts
// renders manifests/demo.yaml instead of the small film and saves the screenshot there.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { test } from "node:test";
import { chromium } from "playwright-core";
import { REPO, runInProcess, tempDir } from "../../testkit/cli.js";
import { renderTiny } from "../../testkit/render.js";
import { makeProject, miniFilm } from "../helpers/project.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SCREENSHOT = process.env.STORYREEL_SCREENSHOT;

test("the HTML contact sheet loads with no console errors, every poster shows and the film reports its duration", {
  skip: !existsSync(CHROMIUM) && "no chromium at /usr/bin/chromium (CI installs it)",
}, async () => {
  const dir = await tempDir("storyreel-sheet-");
  // The small film has the demo's transition and trim tags; the demo itself only when a screenshot is asked for.
  const out = path.join(dir, "film.mp4");
  if (SCREENSHOT) {
    const demo = path.join(REPO, "manifests", "demo.yaml");
    const r = await runInProcess([
      "render",
      demo,
      "--provider",
      "preview",
      "--cache-dir",
      "cache",
      "--out",
      out,
    ]);
    assert.equal(r.exitCode, 0, r.stderr);
  } else {
    // Two takes of the first shot: the sheet shows both, playable, with the commands that pick them.
    const spec = miniFilm();
    (spec.storyboard.shots as Array<Record<string, unknown>>)[0]!.takes = 2;
    const project = await makeProject(spec);
    await renderTiny(project.file, project.dir, path.join(dir, "cache"), out);
  }
  const report = JSON.parse(await readFile(path.join(dir, "film.report.json"), "utf8"));
  assert.equal(report.version, 1);
  assert.equal(report.shots.length, SCREENSHOT ? 5 : 4);
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
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    page.on("pageerror", (e) => errors.push(e.message));
    // A video with preload="metadata" stops its own download once it has the header: ERR_ABORTED is not a failure.
    page.on(
      "requestfailed",
      (req) =>
        req.failure()?.errorText !== "net::ERR_ABORTED" &&
        errors.push(`request failed: ${req.url()} ${req.failure()?.errorText}`),
    );
    await page.goto(pathToFileURL(path.join(dir, "film.html")).href, { waitUntil: "load" });
    const posters = await page.$$eval(".card img", (imgs) =>
      imgs.map((i) => ({ src: i.getAttribute("src"), width: (i as HTMLImageElement).naturalWidth })),
    );
    assert.equal(posters.length, report.shots.length);
    for (const p of posters) assert.ok(p.width > 0, `poster ${p.src} did not load`);
    const duration = await page.$eval("#film", (v) => {
      const video = v as HTMLVideoElement;
      return video.readyState >= 1
        ? video.duration
        : new Promise<number>((resolve) =>
            video.addEventListener("loadedmetadata", () => resolve(video.duration), { once: true }),
          );
    });
    assert.ok(
      Math.abs(duration - report.film.duration) < 0.1,
      `video reports ${duration} s, film is ${report.film.duration} s`,
    );
    const links = await page.$$eval(".card a:not(.seek)", (as) => as.map((a) => a.getAttribute("href")));
    for (const href of links)
      assert.ok(existsSync(path.join(dir, href!)), `clip link ${href} points at nothing`);
    // Each card says where its shot starts in the film; a click plays the film from there.
    const starts = report.shots.map((s: { start: number }) => s.start);
    assert.equal(starts[0], 0);
    const last = report.shots.length - 1;
    await page.click(`#shot-${report.shots[last].id} a.seek`);
    const at = await page.$eval("#film", (v) => (v as HTMLVideoElement).currentTime);
    assert.ok(
      Math.abs(at - starts[last]) < 0.6,
      `the film is at ${at} s, the shot starts at ${starts[last]} s`,
    );
    if (!SCREENSHOT) {
      const first = report.shots[0].id;
      const takes = await page.$$eval(`#shot-${first} .take`, (divs) =>
        divs.map((d) => ({
          used: d.classList.contains("used"),
          command: d.querySelector("code")?.textContent,
          src: d.querySelector("video")?.getAttribute("src"),
        })),
      );
      assert.equal(takes.length, 2);
      assert.deepEqual(
        takes.map((t) => t.used),
        [true, false],
      );
      assert.match(takes[1]!.command!, new RegExp(`^storyreel pick \\S+ ${first} 2 --provider preview$`));
      const durations = await page.$$eval(`#shot-${first} .take video`, (videos) =>
        Promise.all(
          videos.map(
            (v) =>
              new Promise<number>((resolve) => {
                const video = v as HTMLVideoElement;
                video.addEventListener("loadedmetadata", () => resolve(video.duration), { once: true });
                video.preload = "metadata";
                video.load();
              }),
          ),
        ),
      );
      for (const d of durations) assert.ok(d > 4.9, `a take plays (${d} s)`);
    }
    const shot = SCREENSHOT ? path.resolve(REPO, SCREENSHOT) : path.join(dir, "contact-sheet.png");
    await mkdir(path.dirname(shot), { recursive: true });
    await page.screenshot({ path: shot, fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
