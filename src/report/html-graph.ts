// The contact sheet's graph: a card per still (with the shots that use it) and, on each shot's card, the
// stills it starts from and the shot it continues.
import type { Report, ReportShot } from "./report.js";
import type { ReportStep } from "./steps.js";
import { kindOfId, storedAs } from "../steps/registry.js";

export function stillsSection(
  report: Report,
  text: (s: string) => string,
  attr: (s: string) => string,
): string {
  const stills = report.steps.filter((s) => storedAs(s, "still"));
  if (stills.length === 0) return "";
  const link = (id: string) => {
    const [kind, name] = [id.slice(0, id.indexOf(":")), id.slice(id.indexOf(":") + 1)];
    return kind === "shot"
      ? `<a href="#shot-${attr(name)}">${text(name)}</a>`
      : `<a href="#still-${attr(name)}">${text(name)}</a>`;
  };
  const card = (s: ReportStep) => {
    const refs = s.references ?? [];
    const users = s.used_by;
    return `    <div class="card" id="still-${attr(s.name)}">
      ${s.image ? `<img src="${attr(s.image)}" alt="${attr(s.name)}">` : ""}
      <div class="body">
        <h2>${text(s.name)}</h2>
        <p class="prompt">${text(s.prompt ?? "")}</p>
        <p class="tags"><span>${s.kind}</span><span class="status-${s.status}">${s.status.replace("_", " ")}</span></p>
        ${refs.length ? `<p>edit of ${refs.map((r) => (r.startsWith("still ") ? link(`still:${r.slice(6)}`) : text(r))).join(", ")}</p>` : ""}
        ${users.length ? `<p>used by ${users.map(link).join(", ")}</p>` : ""}
        ${stillTakesRow(s, text, attr)}
        ${s.error ? `<p class="error">${text(s.error)}</p>` : ""}
      </div>
    </div>`;
  };
  return `  <h2 class="section">Stills</h2>
  <div class="grid">
${stills.map(card).join("\n")}
  </div>
  <h2 class="section">Shots</h2>
`;
}

// Every take of a still side by side, the one used marked, and the command that picks it.
function stillTakesRow(step: ReportStep, text: (s: string) => string, attr: (s: string) => string): string {
  if (!step.takes) return "";
  const take = (t: NonNullable<ReportStep["takes"]>[number]) => {
    const media = t.image
      ? `<img src="${attr(t.image)}" alt="${attr(`${step.name} take ${t.take}`)}">`
      : "<p>not made yet</p>";
    const label = `take ${t.take}${t.used ? (t.picked ? " · picked" : " · used") : ""}`;
    return `<div class="take${t.used ? " used" : ""}" data-take="${t.take}">${media}<span>${text(label)}</span><code>${text(t.pick)}</code></div>`;
  };
  return `<div class="takes">${step.takes.map(take).join("")}</div>`;
}

// "starts from still keeper · ends on still keeper-lamp-close · continues lamp (last frame)"
export function shotLinks(
  report: Report,
  shotId: string,
  text: (s: string) => string,
  attr: (s: string) => string,
): string {
  const step = report.steps.find((s) => s.id === `shot:${shotId}`);
  const shot = report.shots.find((s) => s.id === shotId);
  if (!step || step.uses.length === 0) return "";
  const parts = step.uses.map((id) => {
    const name = id.slice(id.indexOf(":") + 1);
    const ends = shot?.end_image === `still ${name}` && shot.image !== `still ${name}`;
    if (kindOfId(id)?.artifact === "still")
      return `${ends ? "ends on" : "from"} still <a href="#still-${attr(name)}">${text(name)}</a>`;
    const [from, at] = name.split("@") as [string, string];
    return `continues <a href="#shot-${attr(from)}">${text(from)}</a> (${text(at)} frame)`;
  });
  return `<p class="uses">${parts.join(" · ")}</p>`;
}

// Every take of a shot side by side, each playable, the one used marked, and the command that picks it.
export function takesRow(
  shot: Pick<ReportShot, "takes">,
  text: (s: string) => string,
  attr: (s: string) => string,
): string {
  if (!shot.takes) return "";
  const take = (t: NonNullable<ReportShot["takes"]>[number]) => {
    const media = t.clip
      ? `<video src="${attr(t.clip)}"${t.poster ? ` poster="${attr(t.poster)}"` : ""} controls preload="none"></video>`
      : "<p>not made yet</p>";
    const label = `take ${t.take}${t.used ? (t.picked ? " · picked" : " · used") : ""}`;
    return `<div class="take${t.used ? " used" : ""}" data-take="${t.take}">${media}<span>${text(label)}</span><code>${text(t.pick)}</code></div>`;
  };
  return `<div class="takes">${shot.takes.map(take).join("")}</div>`;
}
