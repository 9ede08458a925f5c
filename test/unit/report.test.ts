// buildReport: every (plan status × generate outcome × sidecar) combination, relative paths and costs.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import type { ClipSidecar } from "../../src/cache/artifacts/index.js";
import type { ClipOutcome } from "../../src/steps/executor.js";
import type { Plan, PlannedShot, ShotStatus } from "../../src/plan/plan.js";
import { buildReport, type ReportInput, type ReportShotStatus } from "../../src/report/report.js";
import { ROOT, shot, storyboard } from "../helpers/unit-fixtures.js";

type Outcome = ClipOutcome["status"] | "none";
const PLAN: ShotStatus[] = ["cached", "generate", "collect", "looking up", "duplicate", "skipped"];
const OUTCOMES: Outcome[] = ["generated", "cached", "failed", "skipped", "none"];

const FROM_GENERATION: Record<Outcome, [ReportShotStatus, ReportShotStatus]> = {
  generated: ["generated", "generated"],
  cached: ["cached", "cached"],
  failed: ["failed", "failed"],
  skipped: ["not_started", "not_started"],
  none: ["not_started", "not_started"],
};

// What the report says today, as [without a sidecar, with one]. Written out, not derived from the code.
const EXPECTED: Record<ShotStatus, Record<Outcome, [ReportShotStatus, ReportShotStatus]>> = {
  // Planned again after this run made it (takes are chosen among what exists): it was generated.
  cached: { ...fill(["cached", "cached"]), generated: ["generated", "generated"] },
  duplicate: fill(["duplicate", "duplicate"]),
  skipped: fill(["skipped", "cached"]),
  generate: FROM_GENERATION,
  // A journaled request being collected, or a blocked one, reads like any shot sent to the provider.
  collect: FROM_GENERATION,
  "looking up": FROM_GENERATION,
};
function fill(pair: [ReportShotStatus, ReportShotStatus]) {
  return Object.fromEntries(OUTCOMES.map((o) => [o, pair])) as Record<Outcome, typeof pair>;
}

const OUT = path.join(ROOT, "out");
const clipPath = (key: string) => path.join(ROOT, "cache", "clips", `${key}.mp4`);

function sidecar(key: string): ClipSidecar {
  return {
    version: 1,
    key,
    shot: "x",
    provider: "fal",
    endpoint: "e",
    input: {},
    request_id: `req-${key}`,
    created_at: "2025-01-01T00:00:00.000Z",
    timings: { total_ms: 1000 },
    bytes: 1,
    sha256: "0".repeat(64),
    cost: 0.7,
    duration: 5.04,
    has_audio: true,
  };
}

function input(rows: Array<{ plan: ShotStatus; outcome: Outcome; sidecar: boolean }>): ReportInput {
  const shots = rows.map((_, i) => shot(i, { duration: 5, audio: i % 2 === 0 }));
  const planned: PlannedShot[] = rows.map((r, i) => ({
    id: `s${i + 1}`,
    index: i,
    key: `k${i}`,
    status: r.plan,
    ...(r.plan === "duplicate" && { duplicate_of: "s1" }),
    model: "kling-2.6-pro",
    mode: "image-to-video",
    endpoint: "fal-ai/kling-video/v2.6/pro/image-to-video",
    duration: 5,
    audio: i % 2 === 0,
    cost: i % 2 === 0 ? 0.7 : 0.35,
  }));
  const plan: Plan = {
    version: 1,
    storyboard: "board.yaml",
    output: "out/board.mp4",
    provider: "fal",
    steps: [],
    edges: [],
    model: "fal-ai/kling-video/v2.6/pro/image-to-video",
    shots: planned,
    cost: { currency: "USD", film: 9.99, new: 1.23, cached: 4.56, in_flight: 0 },
  };
  const outcomes: ClipOutcome[] = rows.flatMap((r, i) =>
    r.outcome === "none"
      ? []
      : [
          {
            key: `k${i}`,
            shots: [`s${i + 1}`],
            status: r.outcome,
            ...(r.outcome === "failed" && { error: "boom" }),
          },
        ],
  );
  const sidecars = new Map(rows.flatMap((r, i) => (r.sidecar ? [[`k${i}`, sidecar(`k${i}`)] as const] : [])));
  return {
    board: storyboard(shots, { title: "T" }),
    plan,
    outcomes,
    steps: [],
    stepImage: () => undefined,
    sidecars,
    paid: [],
    run: { status: "ok" },
    dir: OUT,
    clipPath,
    posterPath: (key) => path.join(OUT, "board.posters", `${key}.jpg`),
    phases: { plan: 1 },
    now: Date.UTC(2025, 0, 2),
  };
}

const MATRIX = PLAN.flatMap((plan) =>
  OUTCOMES.flatMap((outcome) => [false, true].map((sidecar) => ({ plan, outcome, sidecar }))),
);

test("status for each of the 60 combinations of plan status, generate outcome and sidecar", () => {
  const report = buildReport(input(MATRIX));
  assert.equal(report.shots.length, 60);
  const wrong = MATRIX.flatMap((row, i) => {
    const want = EXPECTED[row.plan][row.outcome][row.sidecar ? 1 : 0];
    const got = report.shots[i]!.status;
    return got === want ? [] : [`${JSON.stringify(row)}: ${got}, expected ${want}`];
  });
  assert.deepEqual(wrong, []);
});

test("a shot's clip, poster, request id and timings come from its sidecar; errors from its outcome", () => {
  const report = buildReport(
    input([
      { plan: "generate", outcome: "generated", sidecar: true },
      { plan: "generate", outcome: "failed", sidecar: false },
      { plan: "duplicate", outcome: "none", sidecar: true },
    ]),
  );
  const [made, failed, dup] = report.shots;
  assert.equal(made!.clip, "../cache/clips/k0.mp4");
  assert.equal(made!.poster, "board.posters/k0.jpg");
  assert.equal(made!.request_id, "req-k0");
  assert.equal(made!.clip_duration, 5.04);
  assert.deepEqual(made!.timings, { total_ms: 1000 });
  assert.equal(made!.image, "../images/a.png");
  assert.equal(failed!.error, "boom");
  for (const k of ["clip", "poster", "request_id", "timings", "clip_duration"] as const)
    assert.equal(failed![k], undefined, k);
  assert.equal(dup!.duplicate_of, "s1");
  for (const p of report.shots.flatMap((s) => [s.clip, s.poster, s.image]))
    assert.ok(p === undefined || (!path.isAbsolute(p) && !p.includes("\\")), p);
});

test("costs: spent is what this run's ledger records paid, rounded to cents; film and saved come from the plan", () => {
  const rows = [
    { plan: "generate", outcome: "generated", sidecar: true },
    { plan: "generate", outcome: "generated", sidecar: true },
    { plan: "generate", outcome: "generated", sidecar: true },
    { plan: "generate", outcome: "failed", sidecar: false },
    { plan: "cached", outcome: "none", sidecar: true },
  ] as const;
  const paid = [0.7, 0.35, 0.7].map((cost, i) => ({ request_id: `req-k${i}`, cost }));
  const report = buildReport({ ...input([...rows]), paid });
  assert.deepEqual(report.cost, { currency: "USD", film: 9.99, spent: 1.75, saved: 4.56 });
  // The same shots collected from requests an earlier run (or another machine) paid for: nothing spent here.
  assert.equal(buildReport(input([...rows])).cost.spent, 0);
  assert.deepEqual(
    report.shots.map((s) => s.cost),
    [0.7, 0.35, 0.7, 0.35, 0.7],
  );
});

test("the report's top level: version, title, time, film paths relative to the report's folder", () => {
  const base = input([{ plan: "cached", outcome: "none", sidecar: true }]);
  const film = {
    version: 1 as const,
    key: "f".repeat(64),
    output: path.join(OUT, "board.mp4"),
    mode: "copy" as const,
    duration: 5,
    bytes: 10,
    created_at: "",
    clips: [],
    upToDate: true,
  };
  const report = buildReport({ ...base, film });
  assert.equal(report.version, 1);
  assert.equal(report.title, "T");
  assert.equal(report.created_at, "2025-01-02T00:00:00.000Z");
  assert.deepEqual(report.film, {
    path: "board.mp4",
    duration: 5,
    key: film.key,
    mode: "copy",
    up_to_date: true,
  });
  assert.deepEqual(report.phases_ms, { plan: 1 });
  assert.equal(buildReport(base).film, null);
  const untitled = buildReport({ ...base, board: { ...base.board, title: undefined } });
  assert.equal("title" in untitled, false);
  assert.doesNotThrow(() => JSON.stringify(report));
});

test("transitions and trims appear only when set; a URL image stays a URL", () => {
  const base = input([
    { plan: "cached", outcome: "none", sidecar: true },
    { plan: "cached", outcome: "none", sidecar: true },
  ]);
  const [first, second] = base.board.shots;
  const shots = [
    { ...first!, image: { kind: "url" as const, source: "https://x/a.png", url: "https://x/a.png" } },
    { ...second!, transition: { type: "fade" as const, duration: 0.5 }, trim: { start: 1, end: 4 } },
  ];
  const report = buildReport({ ...base, board: { ...base.board, shots } });
  assert.equal(report.shots[0]!.image, "https://x/a.png");
  assert.equal(report.shots[0]!.transition, undefined);
  assert.equal(report.shots[0]!.trim, undefined);
  assert.deepEqual(report.shots[1]!.transition, { type: "fade", duration: 0.5 });
  assert.deepEqual(report.shots[1]!.trim, { start: 1, end: 4 });
});

test("each shot's start in the film counts kept lengths and transition overlaps", async () => {
  const { shotStarts } = await import("../../src/report/report.js");
  const cut = { type: "cut" as const, duration: 0 };
  const starts = shotStarts([
    { duration: 5, transition: cut },
    { duration: 5, transition: { type: "crossfade", duration: 0.5 } },
    { duration: 5, transition: cut },
    { duration: 5, transition: { type: "fade", duration: 0.5 }, trim: { start: 0.5, end: 4.5 } },
    { duration: 10, transition: cut, trim: { start: 0.1, end: 0.3 } },
  ]);
  assert.deepEqual(starts, [0, 4.5, 9.5, 14, 18]);
});
