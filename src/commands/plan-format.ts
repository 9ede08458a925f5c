// Print a plan as a table for people; `plan --json` prints the Plan value itself.
import type { Plan, PlannedShot } from "../plan/plan.js";
import type { PlannedStep } from "../plan/steps.js";

import { dollars, sumCosts } from "../util/money.js";
import { count } from "../util/words.js";
import { isPass, kindOf, storedAs } from "../steps/registry.js";

export function formatPlan(plan: Plan): string {
  const why = plan.shots.some((s) => s.reason || s.waits_for || s.takes || s.scaled_up || s.pass_notes);
  const rows = plan.shots.map((s, i) => [
    String(i + 1),
    s.id,
    statusText(s),
    modelText(s),
    `${s.duration}s`,
    s.audio ? "on" : "off",
    costText(plan, s),
    ...(why ? [whyText(s)] : []),
  ]);
  const table = columns([
    ["#", "shot", "status", "model", "dur", "audio", "cost", ...(why ? ["why"] : [])],
    ...rows,
  ]);
  const n = (status: PlannedShot["status"]) => plan.shots.filter((s) => s.status === status).length;
  const seconds = plan.shots.reduce((t, s) => t + s.duration, 0);
  const lines = [
    `${plan.storyboard} -> ${plan.output}  (provider ${plan.provider}, ${modelsText(plan)})`,
    "",
    ...stepTable(plan),
    ...table,
    ...passTable(plan),
    "",
    `${count(plan.shots.length, "shot")}, ${seconds} s of clips: ${n("generate")} to generate, ${n("cached")} cached, ${n("duplicate")} duplicate` +
      (n("collect") ? `, ${n("collect")} already submitted (being collected)` : "") +
      (n("looking up")
        ? `, ${n("looking up")} looking up (an unanswered submit, found through fal's request listing)`
        : "") +
      (n("skipped") ? `, ${n("skipped")} skipped by --only` : "") +
      (extraTakes(plan) ? `, and ${count(extraTakes(plan), "more take")} to make` : ""),
    `Cost: whole film ${dollars(plan.cost.film)}; new spending ${dollars(plan.cost.new)}` +
      (plan.cost.cached > 0 ? ` (${dollars(plan.cost.cached)} saved by the cache)` : "") +
      (plan.cost.in_flight > 0
        ? `; ${dollars(plan.cost.in_flight)} in flight (already paid, being collected or looked up)`
        : ""),
    ...(plan.warnings ?? []).map((w) => `Warning: ${w}`),
  ];
  return lines.join("\n");
}

// Stills and frames first, in the order they can be made: each says what it waits for and why it is made.
function stepTable(plan: Plan): string[] {
  const steps = plan.steps.filter((s) => !storedAs(s, "clip"));
  if (steps.length === 0) return [];
  const rows = steps.map((s) => [
    s.kind,
    s.name,
    s.status === "duplicate" ? `duplicate of ${s.duplicate_of}` : s.status,
    stepCostText(plan, s),
    whyText(s),
  ]);
  const summary = (list: typeof steps, noun: string) => {
    const making = list.flatMap((s) => Array<number>(takesToMake(s)).fill(s.cost));
    return `${count(list.length, noun)} (${making.length} to make, ${dollars(sumCosts(making))})`;
  };
  const stills = steps.filter((s) => storedAs(s, "still"));
  const sounds = steps.filter((s) => storedAs(s, "sound"));
  const frames = steps.filter((s) => storedAs(s, "frame")).length;
  return [
    ...columns([["step", "name", "status", "cost", "why"], ...rows]),
    [
      stills.length > 0 && summary(stills, "still"),
      sounds.length > 0 && summary(sounds, "sound"),
      frames > 0 && `${count(frames, "frame")} taken from clips`,
    ]
      .filter(Boolean)
      .join(", "),
    "",
  ];
}

// The passes that finish clips, after them, in each shot's fixed order: clip → (upscale) → lip-sync → upscale.
function passTable(plan: Plan): string[] {
  const passes = plan.steps.filter(isPass);
  if (passes.length === 0) return [];
  const rows = passes.map((s) => [
    kindOf(s.kind).noun,
    s.name,
    s.status === "duplicate" ? `duplicate of ${s.duplicate_of}` : s.status,
    stepCostText(plan, s),
    whyText(s),
  ]);
  const making = passes.flatMap((s) => Array<number>(takesToMake(s)).fill(s.cost));
  return [
    "",
    ...columns([["pass", "shot", "status", "cost", "why"], ...rows]),
    `${count(passes.length, "pass", "passes")} (${making.length} to make, ${dollars(sumCosts(making))})`,
  ];
}

// A still with takes costs every take it makes: "$0.08 (2 takes)".
function stepCostText(plan: Plan, s: PlannedStep): string {
  if (plan.provider !== "fal" || !kindOf(s.kind).paid) return "free";
  const making = takesToMake(s);
  if (s.takes && making > 0 && (making > 1 || s.status !== "generate"))
    return `${dollars(sumCosts(Array<number>(making).fill(s.cost)))} (${count(making, "take")})`;
  return s.status === "generate" ? dollars(s.cost) : `(${dollars(s.cost)})`;
}

// The outputs a step makes: 1 or 0 for itself, and each other take with its own status.
function takesToMake(s: PlannedStep): number {
  if (!s.takes) return s.status === "generate" ? 1 : 0;
  return s.takes.filter((t) => (t.take === s.take ? s.status : t.status) === "generate").length;
}

// Takes to make beyond the one each shot uses.
function extraTakes(plan: Plan): number {
  return plan.shots.reduce(
    (t, s) => t + (s.takes ?? []).filter((k) => k.take !== s.take && k.status === "generate").length,
    0,
  );
}

function whyText(s: {
  reason?: string;
  waits_for?: string[];
  take?: number;
  takes?: Array<{ take: number; status: string }>;
  scaled_up?: string;
  pass_notes?: string[];
}): string {
  const waits = s.waits_for?.length ? `waits for ${s.waits_for.join(", ")}` : "";
  return [s.reason, waits, takesText(s), s.scaled_up, ...(s.pass_notes ?? [])].filter(Boolean).join("; ");
}

// "veo-3.1 image 1080p": the family, the mode without "-to-video", the resolution when the shot chose one.
function modelText(s: PlannedShot): string {
  return [s.model, s.mode.replace(/-to-video$/, ""), s.resolution].filter(Boolean).join(" ");
}

// One model for the whole film by its endpoint, as before; several by their names.
function modelsText(plan: Plan): string {
  const names = [...new Set(plan.shots.map((s) => s.model))];
  return names.length === 1 && plan.shots.every((s) => s.endpoint === plan.shots[0]!.endpoint)
    ? `model ${plan.shots[0]!.endpoint}`
    : `models ${names.join(", ")}`;
}

// "uses take 2 of 3; take 3 to make"
function takesText(s: { take?: number; takes?: Array<{ take: number; status: string }> }): string {
  if (!s.takes) return "";
  const toMake = s.takes.filter((t) => t.take !== s.take && t.status !== "cached").map((t) => t.take);
  const more = toMake.length
    ? `; ${toMake.length === 1 ? "take" : "takes"} ${toMake.join(", ")} to make`
    : "";
  return `uses take ${s.take} of ${s.takes.length}${more}`;
}

function statusText(s: PlannedShot): string {
  return s.status === "duplicate" ? `duplicate of ${s.duplicate_of}` : s.status;
}

function costText(plan: Plan, s: PlannedShot): string {
  if (plan.provider !== "fal") return "free";
  const making = (s.takes ?? []).filter((t) => t.status === "generate").length;
  if (making > 1) return `${dollars(s.cost * making)} (${making} takes)`;
  if (s.status === "collect") return `(${dollars(s.cost)} paid)`;
  return s.status === "generate" ? dollars(s.cost) : `(${dollars(s.cost)})`;
}

function columns(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) =>
    r
      .map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!)))
      .join("  ")
      .trimEnd(),
  );
}
