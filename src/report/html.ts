// The contact sheet: one self-contained HTML page (inline CSS, relative links, no network) from a Report.
import { dollars } from "../util/money.js";
import { shotLinks, stillsSection, takesRow } from "./html-graph.js";
import { finishedPair, PASSES_STYLE, passesRow } from "./html-passes.js";
import type { Report, ReportShot } from "./report.js";
import { count } from "../util/words.js";

export function contactSheet(report: Report): string {
  const title = report.title ?? report.storyboard;
  const film = filmSection(report);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${text(title)} · storyreel</title>
<style>
  body { font: 15px/1.45 system-ui, sans-serif; margin: 0; padding: 24px; background: #111; color: #eee; }
  h1 { margin: 0 0 4px; font-size: 22px; }
  .meta { color: #aaa; margin: 4px 0 16px; }
  #film { width: 100%; max-width: 720px; max-height: 60vh; background: #000; display: block; }
  .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr)); gap: 16px; margin-top: 20px; }
  .card { background: #1d1d1d; border-radius: 8px; overflow: hidden; border: 1px solid #2a2a2a; }
  .card img { width: 100%; aspect-ratio: 16 / 9; object-fit: contain; background: #000; display: block; }
  .card .body { padding: 10px 12px; }
  .card h2 { font-size: 15px; margin: 0 0 6px; }
  .prompt { color: #ccc; margin: 0 0 8px; }
  .tags span { display: inline-block; font-size: 12px; padding: 1px 7px; margin: 0 4px 4px 0; border-radius: 9px; background: #333; }
  .status-generated { background: #1f5130 !important; } .status-cached, .status-duplicate { background: #23405e !important; }
  .status-failed, .status-skipped, .status-not_started { background: #6b2020 !important; }
  .error { color: #ff9b9b; white-space: pre-wrap; }
  a { color: #8cc4ff; }
  .section { font-size: 17px; margin: 24px 0 0; }
  .uses { color: #bbb; font-size: 13px; margin: 0 0 8px; }
  .takes { display: grid; grid-template-columns: repeat(auto-fill, minmax(100px, 1fr)); gap: 6px; margin: 0 0 8px; }
  .take { font-size: 12px; border: 1px solid #333; border-radius: 6px; padding: 4px; }
  .take.used { border-color: #4caf50; }
  .take video, .take img { width: 100%; display: block; background: #000; }
  .words { color: #e8d9a8; font-size: 13px; margin: 0 0 6px; }
  .words span { font-size: 11px; color: #999; text-transform: uppercase; margin-right: 4px; }
  .layers { color: #ccc; font-size: 14px; margin: 8px 0 0; padding-left: 20px; }
  .take code { display: block; font-size: 10px; word-break: break-all; color: #ccc; user-select: all; }
${PASSES_STYLE}</style>
</head>
<body>
  <h1>${text(title)}</h1>
  <p class="meta">${runMeta(report)}</p>
  ${runBanner(report)}${film}
${stillsSection(report, text, attr)}  <div class="grid">
${report.shots.map((s) => card(s, report)).join("\n")}
  </div>
${report.film ? SEEK_SCRIPT : ""}
</body>
</html>
`;
}

function filmSection(report: Report): string {
  const f = report.film;
  if (!f) {
    const failed = report.shots.filter((s) => s.status === "failed").length;
    return `<p class="error">No film: ${failed} shot(s) failed or are missing. See the cards below.</p>`;
  }
  const first = report.shots[0]?.finished?.poster ?? report.shots[0]?.poster;
  const poster = first ? ` poster="${attr(first)}"` : "";
  const how = f.mode === "copy" ? "joined by stream copy" : "normalised";
  const current = f.up_to_date
    ? " · up to date"
    : f.from_earlier_render
      ? " · from an earlier render: this one made no film"
      : "";
  const vtt = captionTrack(report);
  const track = vtt ? `<track kind="captions" src="${vtt}" srclang="en" label="Captions" default>` : "";
  return `<video id="film" src="${attr(f.path)}"${poster} controls preload="metadata">${track}</video>
  <p class="meta">${f.duration.toFixed(1)} s · ${count(report.shots.length, "shot")} · ${how}${current}</p>
${exportLinks(report)}${soundSection(report)}`;
}

// Timelines for an editor, written by `storyreel export`.
function exportLinks(report: Report): string {
  if (!report.exports?.length) return "";
  const name = (format: string) =>
    format === "otio" ? "OpenTimelineIO" : format === "mlt" ? "MLT (Shotcut, Kdenlive)" : format;
  const links = report.exports.map(
    (e) => `<a href="${attr(e.path)}">${text(name(e.format))}: ${text(e.path)}</a>`,
  );
  return `  <p class="meta">Timelines: ${links.join(" · ")}</p>\n`;
}

// The captions as a data: URL (a browser will not load a .vtt beside a page opened from disk), from where each
// shot starts in the film.
function captionTrack(report: Report): string | undefined {
  const shots = report.shots;
  if (!report.sound?.captions || !shots.some((s) => s.caption && s.start !== undefined)) return undefined;
  const end = report.film?.duration ?? 0;
  const at = (seconds: number) => new Date(Math.max(0, seconds) * 1000).toISOString().slice(11, 23);
  const cues = shots.flatMap((s, i) =>
    s.caption && s.start !== undefined
      ? [
          `${at(s.start)} --> ${at(shots[i + 1]?.start ?? end)}\n${s.caption.replace(/&/g, "&amp;").replace(/</g, "&lt;")}\n`,
        ]
      : [],
  );
  return `data:text/vtt;charset=utf-8,${encodeURIComponent(["WEBVTT\n", ...cues].join("\n"))}`;
}

// The film's audio layers, bottom to top, each playable when it is a file of its own, and its caption files.
function soundSection(report: Report): string {
  const sound = report.sound;
  if (!sound) return "";
  const items = sound.layers.map(
    (l) =>
      `    <li><b>${text(l.layer)}</b>: ${text(l.what)}${l.audio ? ` <a href="${attr(l.audio)}">▶ play</a>` : ""}</li>`,
  );
  if (sound.loudness !== undefined)
    items.push(`    <li><b>loudness</b>: the mix at ${sound.loudness} LUFS</li>`);
  if (sound.captions)
    items.push(
      `    <li><b>captions</b>: ${sound.captions.mode === "burn" ? "burned into the picture, and in " : ""}${sound.captions.files.map((f) => `<a href="${attr(f)}">${text(f)}</a>`).join(", ") || "(written with the film)"}</li>`,
    );
  return `  <h2 class="section">Audio layers</h2>
  <ul class="layers">
${items.join("\n")}
  </ul>
`;
}

// A shot's caption and voice-over, as the film shows and says them.
function words(s: ReportShot): string {
  const lines: string[] = [];
  if (s.caption) lines.push(`<p class="words"><span>caption</span> ${text(s.caption)}</p>`);
  if (s.voiceover) {
    const v = s.voiceover;
    const play = v.audio ? ` <a href="${attr(v.audio)}">▶</a>` : "";
    lines.push(
      `<p class="words"><span>voice-over</span> “${text(v.text)}” (${text(v.voice)}, ${v.offset} s in)${play}</p>`,
    );
  }
  return lines.join("\n        ");
}

// Said above the film when this render did not finish: the film below, if any, is an earlier one.
function runBanner(report: Report): string {
  const run = report.run;
  if (!run || run.status === "ok") return "";
  const what = { refused: "was refused", interrupted: "was interrupted", failed: "failed" }[run.status];
  return `<p class="error">This render ${what}${run.message ? `: ${text(run.message)}` : ""}</p>
  `;
}

function runMeta(report: Report): string {
  const { film, spent, saved } = report.cost;
  const money =
    report.provider === "preview"
      ? "preview (free, offline)"
      : `${text(report.provider)} · film ${dollars(film)}, spent ${dollars(spent)} this run, ${dollars(saved)} saved by the cache`;
  return [text(report.storyboard), money, text(report.model), text(report.created_at)].join(" · ");
}

function tags(s: ReportShot): string {
  const status =
    s.status === "duplicate" ? `same clip as ${text(s.duplicate_of ?? "")}` : s.status.replace("_", " ");
  const items = [
    `<span class="status-${s.status}">${status}</span>`,
    `<span>${text(s.family)} · ${s.mode}${s.resolution ? ` · ${text(s.resolution)}` : ""}</span>`,
    `<span>${s.duration} s</span>`,
    `<span>audio ${s.audio ? "on" : "off"}</span>`,
    `<span>${dollars(s.cost)}</span>`,
  ];
  if (s.transition) items.push(`<span>${s.transition.type} ${s.transition.duration} s in</span>`);
  if (s.trim) items.push(`<span>trim ${s.trim.start}–${s.trim.end} s</span>`);
  if (s.stand_in) items.push(`<span class="status-failed">a slate stands in</span>`);
  return items.join("");
}

// A shot's start in the film; clicking it plays the film from there (the script below, inline: no network).
function seekLink(s: ReportShot): string {
  if (s.start === undefined) return "";
  const at = `${Math.floor(s.start / 60)}:${(s.start % 60).toFixed(1).padStart(4, "0")}`;
  return ` <a class="seek" href="#film" data-start="${s.start}">⏵ ${at} in the film</a>`;
}

const SEEK_SCRIPT = `<script>
  for (const link of document.querySelectorAll("a.seek")) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      const film = document.getElementById("film");
      film.currentTime = Number(link.dataset.start);
      film.scrollIntoView({ block: "nearest" });
      film.play().catch(() => {});
    });
  }
</script>
`;

function card(s: ReportShot, report: Report): string {
  const picture = s.poster ?? s.image ?? s.references?.[0];
  const still = picture ? `<img src="${attr(picture)}" alt="${attr(s.id)}">` : "";
  return `    <div class="card" id="shot-${attr(s.id)}">
      ${finishedPair(s, text, attr) ?? still}
      <div class="body">
        <h2>${s.index + 1}. ${text(s.id)}</h2>
        <p class="prompt">${text(s.prompt)}</p>
        ${words(s)}
        <p class="tags">${tags(s)}</p>${passesRow(s, text, attr)}
        ${shotLinks(report, s.id, text, attr)}${referencesRow(s)}
        ${takesRow(s, text, attr)}
        ${s.error ? `<p class="error">${text(s.error)}</p>` : ""}
        ${s.clip ? `<a href="${attr(s.clip)}">▶ play clip</a>` : ""}${seekLink(s)}
      </div>
    </div>`;
}

// The cast of a reference-to-video shot: stills by name, files as links.
function referencesRow(s: ReportShot): string {
  if (!s.references) return "";
  const item = (r: string) => (r.startsWith("still ") ? text(r) : `<a href="${attr(r)}">${text(r)}</a>`);
  return `\n        <p class="uses">references: ${s.references.map(item).join(" · ")}</p>`;
}

function text(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function attr(s: string): string {
  return text(s).replace(/"/g, "&quot;").replace(/ /g, "%20");
}
