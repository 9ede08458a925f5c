// The contact sheet's finishing passes: a shot's clip and its finished version side by side, each playable,
// and the passes that ran between them ("lip-sync (kling-lipsync) → upscale to 1080p"), each with its status
// and cost. A shot without passes shows none of it.
import { dollars } from "../util/money.js";
import type { ReportPass } from "./passes.js";
import type { ReportShot } from "./report.js";
import { kindOf } from "../steps/registry.js";
import { takesRow } from "./html-graph.js";

type Escape = (s: string) => string;

// The clip and the finished clip, in place of the card's one picture; undefined for a shot without passes.
export function finishedPair(s: ReportShot, text: Escape, attr: Escape): string | undefined {
  if (!s.passes || !s.finished) return undefined;
  const side = (label: string, clip: string | undefined, poster: string | undefined) => {
    const media = clip
      ? `<video src="${attr(clip)}"${poster ? ` poster="${attr(poster)}"` : ""} controls preload="none"></video>`
      : "<p>not made yet</p>";
    return `<figure>${media}<figcaption>${text(label)}</figcaption></figure>`;
  };
  return `<div class="finish">${side("clip", s.clip, s.poster)}${side("finished", s.finished.clip, s.finished.poster)}</div>`;
}

// "lip-sync (kling-lipsync) generated $0.07 → upscale to 1080p (bytedance-upscaler) cached $0.03", each
// pass's error, and why an asked pass does not run.
export function passesRow(s: ReportShot, text: Escape, attr: Escape): string {
  const lines: string[] = [];
  if (s.passes?.length) {
    const item = (p: ReportPass) => {
      const status = p.status.replace("_", " ");
      const play = p.clip ? ` <a href="${attr(p.clip)}">▶</a>` : "";
      return `<span class="pass" data-pass="${attr(p.id)}">${text(passName(p))} (${text(p.pass)}) <span class="tag status-${p.status}">${status}</span> ${dollars(p.cost)}${play}</span>`;
    };
    lines.push(`<p class="passes">${s.passes.map(item).join(" → ")}</p>`);
    for (const p of s.passes) {
      if (p.error) lines.push(`<p class="error">${text(p.label)}: ${text(p.error)}</p>`);
      // Another lip-sync take, say: each one playable, and the command that picks it.
      if (p.takes)
        lines.push(`<p class="uses">takes of the ${text(passName(p))}:</p>${takesRow(p, text, attr)}`);
    }
  }
  for (const note of s.pass_notes ?? []) lines.push(`<p class="uses">${text(note)}</p>`);
  return lines.length ? `\n        ${lines.join("\n        ")}` : "";
}

// "lip-sync", "upscale to 1080p": the kind's noun, and an upscale's target.
function passName(p: ReportPass): string {
  return `${kindOf(p.kind).noun}${p.height ? ` to ${p.height}` : ""}`;
}

// Added to the sheet's style: the pair side by side, each video as wide as its half.
export const PASSES_STYLE = `  .finish { display: grid; grid-template-columns: 1fr 1fr; gap: 2px; background: #000; }
  .finish figure { margin: 0; } .finish video { width: 100%; aspect-ratio: 16 / 9; display: block; background: #000; }
  .finish figcaption { font-size: 11px; color: #999; text-align: center; padding: 2px 0; }
  .passes { font-size: 13px; color: #ccc; margin: 0 0 8px; }
  .passes .tag { font-size: 11px; padding: 0 6px; border-radius: 9px; background: #333; }
`;
