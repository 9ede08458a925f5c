// The contact sheet as a string: escaped text, relative links only, failures shown, nothing fetched.
import assert from "node:assert/strict";
import { test } from "node:test";
import { contactSheet } from "../../src/report/html.js";
import type { Report, ReportShot } from "../../src/report/report.js";

const EVIL = `<script>alert("x")</script> & <img src=x onerror=alert(1)>`;

function card(over: Partial<ReportShot>): ReportShot {
  return {
    id: "s1",
    index: 0,
    key: "k",
    status: "generated",
    provider: "fal",
    model: "m",
    family: "kling-2.6-pro",
    mode: "image-to-video",
    cost: 0.7,
    prompt: "a calm sea",
    audio: true,
    duration: 5,
    image: "../images/a.png",
    ...over,
  };
}

function report(over: Partial<Report> = {}): Report {
  return {
    version: 1,
    storyboard: "boards/film.yaml",
    title: "A film",
    steps: [],
    run: { status: "ok" },
    provider: "fal",
    model: "fal-ai/kling-video/v2.6/pro/image-to-video",
    created_at: "2025-01-02T00:00:00.000Z",
    film: { path: "film.mp4", duration: 12.34, key: "f", mode: "normalised", up_to_date: false },
    cost: { currency: "USD", film: 2.1, spent: 0.7, saved: 1.4 },
    phases_ms: {},
    shots: [
      card({ clip: "../cache/clips/k.mp4", poster: "film.posters/k.jpg" }),
      card({
        id: "s2",
        index: 1,
        status: "failed",
        error: "fal answered 422: prompt <too> long",
        image: "../images/b c.png",
      }),
      card({ id: "s3", index: 2, status: "duplicate", duplicate_of: "s1" }),
    ],
    ...over,
  };
}

const attributes = (html: string) => [...html.matchAll(/\b(?:src|href|poster)="([^"]*)"/g)].map((m) => m[1]!);

test("prompts, titles, errors and storyboard names are escaped, never markup", () => {
  const html = contactSheet(
    report({
      title: `<b>Title</b> & "co"`,
      storyboard: "<i>x</i>.yaml",
      shots: [card({ prompt: EVIL, status: "failed", error: `<script>bad()</script>` })],
    }),
  );
  // The only script is the sheet's own seek handler; nothing from the storyboard becomes markup.
  const own = html.replace(
    /<script>\n {2}for \(const link of document\.querySelectorAll\("a\.seek"\)\)[\s\S]*?<\/script>/,
    "",
  );
  assert.doesNotMatch(own, /<script|<img src=x|<b>Title|<i>x/);
  assert.ok(
    html.includes('&lt;script&gt;alert("x")&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;'),
  );
  assert.ok(html.includes('<title>&lt;b&gt;Title&lt;/b&gt; &amp; "co" · storyreel</title>'));
  assert.ok(html.includes('<p class="error">&lt;script&gt;bad()&lt;/script&gt;</p>'));
  assert.ok(html.includes("&lt;i&gt;x&lt;/i&gt;.yaml"));
});

test("attribute values are quoted safely: quotes escaped, spaces encoded", () => {
  const html = contactSheet(
    report({ shots: [card({ image: `../a "b".png`, clip: "../clips/my clip.mp4" })] }),
  );
  assert.ok(html.includes('src="../a%20&quot;b&quot;.png"'));
  assert.ok(html.includes('href="../clips/my%20clip.mp4"'));
});

test("every link is relative: the film, posters, images, clips; no scheme, no absolute path", () => {
  const html = contactSheet(report());
  const links = attributes(html);
  assert.deepEqual(links, [
    "film.mp4",
    "film.posters/k.jpg",
    "film.posters/k.jpg",
    "../cache/clips/k.mp4",
    "../images/b%20c.png",
    "../images/a.png",
  ]);
  for (const link of links) assert.doesNotMatch(link, /^(?:[a-z]+:|\/)/i, link);
  assert.doesNotMatch(html, /https?:\/\//, "nothing is fetched from the network");
  assert.doesNotMatch(
    html,
    /<link\b|<script\b[^>]*\bsrc=|@import|url\(/,
    "no external stylesheets, scripts or fonts",
  );
});

test("a failed shot shows its error and its status; a duplicate names its original", () => {
  const html = contactSheet(report());
  const failed = html.slice(html.indexOf('id="shot-s2"'), html.indexOf('id="shot-s3"'));
  assert.match(failed, /<span class="status-failed">failed<\/span>/);
  assert.ok(failed.includes('<p class="error">fal answered 422: prompt &lt;too&gt; long</p>'));
  assert.doesNotMatch(failed, /play clip/, "no clip to play");
  assert.match(html, /<span class="status-duplicate">same clip as s1<\/span>/);
  assert.match(html, /<span class="status-generated">generated<\/span>/);
});

test("the film, its facts and the costs; without a film, the failures are counted", () => {
  const html = contactSheet(report());
  assert.match(html, /<video id="film" src="film.mp4" poster="film.posters\/k.jpg" controls/);
  assert.ok(html.includes("12.3 s · 3 shots · normalised</p>"));
  assert.ok(html.includes("film $2.10, spent $0.70 this run, $1.40 saved by the cache"));
  const none = contactSheet(report({ film: null }));
  assert.doesNotMatch(none, /<video/);
  assert.ok(none.includes("No film: 1 shot(s) failed or are missing."));
  const preview = contactSheet(report({ provider: "preview" }));
  assert.ok(preview.includes("preview (free, offline)"));
  assert.doesNotMatch(preview, /saved by the cache/);
});

test("not_started reads as words, and a shot without a poster shows its image", () => {
  const html = contactSheet(report({ shots: [card({ status: "not_started" })] }));
  assert.match(html, /<span class="status-not_started">not started<\/span>/);
  assert.match(html, /<img src="\.\.\/images\/a\.png" alt="s1">/);
});
