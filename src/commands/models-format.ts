// `storyreel models` as text: the compact table of every family, and one family in full.
import { durationsText, orList } from "../models/modes.js";
import type { ModeName } from "../models/types.js";
import { dollars } from "../util/money.js";
import { COMPARE_SECONDS, type ClipCost, type FamilyFacts, type ModeFacts } from "./models-facts.js";

const SHORT: Record<ModeName, string> = {
  "text-to-video": "text",
  "image-to-video": "image",
  "first-last-frame": "first-last",
  "reference-to-video": "reference",
};

export function familyTable(families: readonly FamilyFacts[]): string[] {
  const rows = [
    ["family", "modes", `${COMPARE_SECONDS} s shot`, "durations (s)", ""],
    ...families.map((f) => {
      const all = [...new Set(f.modes.flatMap((m) => m.durations))].sort((a, b) => a - b);
      const makes5 = all.includes(COMPARE_SECONDS);
      return [
        f.family,
        f.modes.map((m) => SHORT[m.mode]).join(", "),
        `${priceRange(f.modes)}${makes5 ? "" : ` (makes ${durationsText(all)} s)`}`,
        durationsText(all),
        origin(f),
      ];
    }),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return [
    ...rows.map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join("  ")
        .trimEnd(),
    ),
    "",
    `${COMPARE_SECONDS} s shot: one ${COMPARE_SECONDS} s clip at the mode's default resolution, with audio where the model makes it`,
    "(a model that cannot make 5 s is priced per 5 s all the same, and says what it makes).",
    "See one family in full (every mode, its price rule, its sources and when they were read):",
    "  storyreel models NAME     (NAME: an alias or a fal endpoint id; --json for scripts)",
  ];
}

export function familyDetail(f: FamilyFacts): string[] {
  const lines = [`${f.family}: ${f.name}${f.aliases.length ? ` (also ${f.aliases.join(", ")})` : ""}`];
  const from = origin(f);
  if (from) lines.push(from);
  lines.push(`good for: ${f.good_for}`);
  // One price rule for every mode (the usual case) is said once.
  const shared = new Set(f.modes.map((m) => m.price)).size === 1;
  if (shared) lines.push(`price: ${f.modes[0]!.price} (every mode)`);
  for (const m of f.modes) lines.push("", `${m.mode}: ${m.endpoint}`, ...modeLines(m, !shared));
  if (f.price_note) lines.push("", `price note: ${f.price_note}`);
  lines.push("", "sources:");
  for (const s of f.sources) lines.push(`  read ${s.read}  ${s.url}`, `                   ${s.what}`);
  return lines;
}

function modeLines(m: ModeFacts, ownPrice: boolean): string[] {
  const field = (name: string, value: string) => `  ${name.padEnd(12)}  ${value}`;
  const fromImage = m.mode === "image-to-video" || m.mode === "first-last-frame";
  return [
    field("durations", `${durationsText(m.durations)} s`),
    field("resolutions", resolutionsText(m)),
    field(
      "aspect ratio",
      m.aspect_ratios.length ? orList(m.aspect_ratios) : fromImage ? "the start image's" : "no choice",
    ),
    field("audio", AUDIO[m.audio]),
    field("references", referencesText(m.references)),
    ...(ownPrice ? [field("price", m.price)] : []),
    field(`${COMPARE_SECONDS} s shot`, fiveSecondText(m)),
  ];
}

const AUDIO: Record<ModeFacts["audio"], string> = {
  optional: "optional (made unless the shot says audio: false)",
  always: "always (sound is always made)",
  never: "never (silent clips)",
};

function resolutionsText(m: ModeFacts): string {
  if (m.resolutions.length === 0) return `no choice${m.makes.length ? ` (makes ${orList(m.makes)})` : ""}`;
  return orList(m.resolutions.map((r) => (r === m.default_resolution ? `${r} (default)` : r)));
}

function referencesText(r: ModeFacts["references"]): string {
  if (!r) return "none";
  const count = r.min === r.max ? `${r.max}` : `${r.min} to ${r.max}`;
  if (!r.tag.includes("{n}"))
    return `${count}; no numbered tags: a prompt's @keeper is sent as ${r.tag.replace("{name}", "keeper")}`;
  const tag = (n: number) => r.tag.replace("{n}", String(n));
  return `${count}; a prompt's @name is sent as ${tag(1)}, ${tag(2)} … in reference order`;
}

// "$2.00 per 5 s with audio at 720p (makes 4, 6 or 8 s; the 6 s clip: $2.40)".
function fiveSecondText(m: ModeFacts): string {
  const at = (c: ClipCost) =>
    `${c.audio ? "with audio" : "without audio"}${c.resolution ? ` at ${c.resolution}` : ""}`;
  const head = `${usd(m.per_5s.usd)} per ${COMPARE_SECONDS} s ${at(m.per_5s)}`;
  if (!m.nearest) return head;
  return `${head} (makes ${durationsText(m.durations)} s; the ${m.nearest.seconds} s clip: ${usd(m.nearest.usd)})`;
}

function priceRange(modes: readonly ModeFacts[]): string {
  const prices = modes.map((m) => m.per_5s.usd).filter((p): p is number => p !== null);
  if (prices.length === 0) return "no price";
  const [low, high] = [Math.min(...prices), Math.max(...prices)];
  return low === high ? dollars(low) : `${dollars(low)} to ${dollars(high)}`;
}

function usd(amount: number | null): string {
  return amount === null ? "no price" : dollars(amount);
}

function origin(f: FamilyFacts): string {
  if (f.origin === "project")
    return `(project: ${f.file}${f.shadows.length ? `; shadows the shipped ${f.shadows.join(", ")}` : ""})`;
  if (f.shadowed_by.length === 0) return "";
  return `(shadowed by ${f.shadowed_by.map((s) => `${s.file} for ${s.name}`).join(", ")})`;
}
