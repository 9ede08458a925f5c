// Each shot's finishing passes, resolved from `lipsync`, `upscale` and `render.upscale`: the lip-sync model (and
// its sync mode) that lays the voice-over onto the clip, and the height the upscaler takes the clip to.
import { DEFAULT_PASSES, findPass, passesOfKind, passNames } from "../models/passes.js";
import type { PassModel } from "../models/pass-types.js";
import { closest, shown } from "../util/suggest.js";
import type { DataPath } from "./positions.js";
import { isObject, type Report } from "./report-problem.js";
import type { Shot, ShotDoc, ShotLipsync, ShotUpscale, StoryboardDoc } from "./types.js";

// Adds each shot's lipsync and upscale to the shots already checked; gives render.upscale when it is a height.
export function resolvePasses(
  doc: Partial<StoryboardDoc>,
  shots: Shot[],
  report: Report,
): string | undefined {
  const upscaler = findPass(DEFAULT_PASSES.upscale)!;
  const render = isObject(doc.render) ? doc.render : {};
  const film =
    typeof render.upscale === "string"
      ? upscaleHeight(render.upscale, upscaler, ["render", "upscale"], report)
      : undefined;
  if (!Array.isArray(doc.shots)) return film;
  for (const shot of shots) {
    const raw = doc.shots[shot.index] as Partial<ShotDoc>;
    const at = (field: string): DataPath => ["shots", shot.index, field];
    const lipsync = lipsyncOf(raw.lipsync, at("lipsync"), report);
    if (lipsync) shot.lipsync = { ...lipsync, upscaler };
    const height =
      raw.upscale === undefined
        ? film
        : typeof raw.upscale === "string"
          ? upscaleHeight(raw.upscale, upscaler, at("upscale"), report)
          : ownUpscale(raw.upscale, upscaler, at("upscale"), report);
    if (height) shot.upscale = upscaleTo(upscaler, height);
  }
  return film;
}

export function upscaleTo(upscaler: PassModel, height: string): ShotUpscale {
  return { pass: upscaler, height, pixels: upscaler.heights![height]! };
}

// A clip whose short side is below what the lip-sync model takes is upscaled first, to the lowest height the
// upscaler makes that it takes (Kling: 720 px, so 1080p); undefined when the clip is large enough.
export function upscaleBeforeLipsync(
  size: readonly [number, number],
  lipsync: PassModel,
  upscaler: PassModel = findPass(DEFAULT_PASSES.upscale)!,
): ShotUpscale | undefined {
  const least = lipsync.limits.video?.min_side;
  if (least === undefined || Math.min(...size) >= least) return undefined;
  const heights = Object.entries(upscaler.heights ?? {}).filter(([, px]) => px >= least);
  const lowest = heights.sort((a, b) => a[1] - b[1])[0];
  return lowest && upscaleTo(upscaler, lowest[0]);
}

// `upscale: false` is none (render.upscale does not apply); `true` names no height.
function ownUpscale(value: unknown, upscaler: PassModel, at: DataPath, report: Report): undefined {
  if (value === true)
    report(
      at,
      `true names no height: write ${heightsText(upscaler)} (the upscaler's targets), or false for none`,
    );
  return undefined;
}

// A height the upscaler makes, or a problem naming them, with a hint for the usual spellings (4K, 2160p, 1080).
function upscaleHeight(value: string, upscaler: PassModel, at: DataPath, report: Report): string | undefined {
  const heights = upscaler.heights ?? {};
  if (value in heights) return value;
  const names = Object.keys(heights);
  const pixels = /^(\d+)p?$/i.exec(value);
  const hint =
    names.find((n) => n.toLowerCase() === value.toLowerCase()) ??
    (pixels ? names.find((n) => heights[n] === Number(pixels[1])) : undefined);
  const highest = names.reduce((a, b) => (heights[b]! > heights[a]! ? b : a));
  const why = hint
    ? ` (did you mean "${hint}"?)`
    : pixels && Number(pixels[1]) < Math.min(...Object.values(heights))
      ? `; ${value} is below every one of them (a clip is only upscaled to a greater height: leave upscale out)`
      : pixels || /^\d+k$/i.test(value)
        ? `; ${highest} is the highest`
        : "";
  report(at, `unknown height ${shown(value)}: ${upscaler.name} makes ${heightsText(upscaler)}${why}`);
  return undefined;
}

function heightsText(upscaler: PassModel): string {
  return Object.entries(upscaler.heights ?? {})
    .map(([name, px]) => `${name} (${px} px)`)
    .join(", ");
}

// `lipsync: true` or `{}` is the default model; `false` is none. A model must be a lip-sync model, and a sync
// mode one that model has.
function lipsyncOf(value: unknown, at: DataPath, report: Report): ShotLipsync | undefined {
  if (value !== true && !isObject(value)) return undefined;
  const written = isObject(value) ? value : {};
  const name = typeof written.model === "string" ? written.model : DEFAULT_PASSES.lipsync;
  const pass = lipsyncModel(name, [...at, "model"], report);
  if (!pass) return undefined;
  if (typeof written.sync_mode !== "string") {
    return pass.default_sync_mode ? { pass, syncMode: pass.default_sync_mode } : { pass };
  }
  const mode = written.sync_mode;
  const modesAt = [...at, "sync_mode"];
  if (!pass.sync_modes) {
    const others = passesOfKind("lipsync").filter((p) => p.sync_modes);
    report(
      modesAt,
      `${pass.name} has no sync modes: leave sync_mode out${others.length ? `, or use ${others.map((p) => `${p.name} (${p.sync_modes!.join(", ")})`).join(", ")}` : ""}`,
    );
    return undefined;
  }
  if (pass.sync_modes.includes(mode)) return { pass, syncMode: mode };
  const hint = closest(mode, pass.sync_modes);
  report(
    modesAt,
    `unknown sync mode ${shown(mode)} for ${pass.name}${hint ? ` (did you mean "${hint}"?)` : ""}; its sync modes: ${pass.sync_modes.join(", ")} (default ${pass.default_sync_mode ?? pass.sync_modes[0]})`,
  );
  return undefined;
}

function lipsyncModel(name: string, at: DataPath, report: Report): PassModel | undefined {
  const pass = findPass(name);
  if (pass?.kind === "lipsync") return pass;
  const known = passesOfKind("lipsync");
  const list = known.map((p) => p.name).join(", ");
  if (pass) {
    report(
      at,
      `${pass.name} is an ${pass.kind} model, not a lip-sync model; lip-sync models: ${list} (to upscale a shot, write upscale: 1080p)`,
    );
    return undefined;
  }
  const hint = closest(
    name,
    known.flatMap((p) => [...passNames(p), p.endpoint]),
  );
  report(
    at,
    `unknown lip-sync model ${shown(name)}${hint ? ` (did you mean "${hint}"?)` : ""}; lip-sync models: ${list}`,
  );
  return undefined;
}
