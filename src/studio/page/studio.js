// storyreel studio's page: shows the View (GET /api/view, then SSE `view`), follows a render live (SSE `progress`
// and `render`), and sends the page's actions (render, stop, pick, retake, edit) with the token in a header.
import {
  $,
  PENDING, api, badge, byKey, byLabel, dollars, fail, h, notice, page, say, token, withToken } from "./studio-dom.js?token=__STORYREEL_TOKEN__";
import { card, keyed } from "./studio-cards.js?token=__STORYREEL_TOKEN__";

// ---- The view ------------------------------------------------------------------------------------------------

export function show(next, keepEdits = true) {
  page.view = next;
  page.replacing = true;
  try {
    const title = next.title ?? next.storyboard;
    document.title = `${title} · storyreel studio`;
    $("title").textContent = title;
    const provider = next.provider === "preview" ? "preview (free, offline)" : next.provider;
    $("meta").textContent = `${next.storyboard} · ${provider}`;
    setRendering(next.rendering);
    showProblems(next);
    showFilm(next.film);
    showPlan(next.plan);
    // Stills first, then shots, in one grid: the graph reads left to right.
    $("board-heading").textContent = next.stills.length > 0 ? "Stills and shots" : "Shots";
    const cards = [...next.stills.map((still) => ({ still })), ...next.shots.map((shot) => ({ shot }))];
    keyed($("board"), cards, (c) => (c.still ? `still:${c.still.name}` : `shot:${c.shot.id}`), card, keepEdits);
    paintLive();
  } finally {
    page.replacing = false;
  }
}

export function setRendering(on) {
  page.rendering = on;
  $("render").disabled = on;
  $("stop").hidden = !on;
}

export function showProblems(next) {
  const box = $("problems");
  box.hidden = next.valid;
  box
    .querySelector("ul")
    .replaceChildren(
      ...(next.problems ?? []).map((p) =>
        h("li", {}, `${p.file}:${p.line}:${p.col}: ${p.path ? `${p.path}: ` : ""}${p.message}`),
      ),
    );
}

export let filmVersion = 0;
export function showFilm(film) {
  const section = $("film-section");
  section.hidden = !film?.exists;
  if (!film?.exists) return;
  const video = $("film");
  const src = `${withToken(film.url)}${filmVersion ? `&v=${filmVersion}` : ""}`;
  if (video.getAttribute("src") !== src) video.setAttribute("src", src);
  $("film-meta").textContent = film.seconds === undefined ? "" : `${film.seconds.toFixed(1)} s`;
}

export function showPlan(plan) {
  const c = plan.cost;
  $("plan-cost").textContent =
    `A render now would spend ${dollars(c.new)} · the film ${dollars(c.film)}, ${dollars(c.cached)} of it cached` +
    (c.in_flight ? `, ${dollars(c.in_flight)} in flight` : "");
  $("warnings").replaceChildren(...(plan.warnings ?? []).map((w) => h("li", {}, w)));
  const row = (s) =>
    h(
      "tr",
      { "data-label": s.label, "data-id": s.id, "data-status": s.status, "data-testid": `step-${s.id}` },
      h("td", {}, s.label, !s.label.startsWith(s.kind) && h("span", { class: "uses" }, ` ${s.kind}`)),
      h("td", {}, badge(s.status, "status")),
      h("td", {}, h("span", { class: "badge live", "data-testid": "state" })),
      h("td", { class: "cost" }, dollars(s.cost)),
      h("td", {}, s.reason ?? "", s.waits_for?.length ? ` (waits for ${s.waits_for.join(", ")})` : ""),
    );
  $("plan")
    .querySelector("tbody")
    .replaceChildren(...plan.steps.map(row));
}

// ---- Actions -------------------------------------------------------------------------------------------------

export function ask(confirm) {
  const dialog = $("confirm");
  $("confirm-text").textContent = confirm.text;
  $("confirm-cost").textContent = `New spending: ${dollars(confirm.cost)}`;
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) =>
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true }),
  );
}

// A request that may spend money: a 409 with `confirm` asks first, then sends it again with confirm: true and the
// cost it showed (a plan that changed meanwhile is asked about again).
export async function paid(path, body, what) {
  fail("");
  let r = await api(path, body);
  // Asked again when the price changed between the question and the answer.
  while (r.status === 409 && r.data.confirm) {
    if (!(await ask(r.data.confirm))) return say(`${what}: cancelled, nothing spent`);
    r = await api(path, { ...body, confirm: true, cost: r.data.confirm.cost });
  }
  if (r.status >= 300 || r.status === 0) return fail(r.data.error ?? `${what} failed (${r.status})`);
  say(`${what}: started`);
}

export async function pick(id, owner, take) {
  fail("");
  const r = await api("/api/pick", { id, take });
  if (r.status !== 200) return fail(r.data.error ?? `pick failed (${r.status})`);
  show(r.data.view);
  say(`picked take ${take} of ${owner}; a render now would spend ${dollars(r.data.view.plan.cost.new)}`);
}

export const retake = (id, owner) => paid("/api/retake", { id }, `retake of ${owner}`);
$("render").addEventListener("click", () => paid("/api/render", {}, "render"));
$("stop").addEventListener("click", async () => {
  const r = await api("/api/stop", {});
  if (r.status >= 300 || r.status === 0) fail(r.data.error ?? `stop failed (${r.status})`);
  else say("stopping: no new steps are submitted, paid work is collected");
});

// ---- Live ----------------------------------------------------------------------------------------------------

export function paintLive() {
  const paint = (badgeEl, state, stale) => {
    const text = state && !stale ? state : "";
    badgeEl.textContent = text;
    badgeEl.className = `badge live${text ? ` state-${text}` : ""}`;
    badgeEl.hidden = !text;
  };
  for (const row of $("plan").querySelectorAll("tr[data-label]")) {
    const state = byLabel.get(row.dataset.label);
    row.dataset.state = state ?? "";
    paint(row.querySelector(".live"), state, !page.rendering && PENDING.has(row.dataset.status));
  }
  for (const take of document.querySelectorAll(".take[data-key]")) {
    const status = take.querySelector("[data-testid=take-status]").textContent;
    paint(take.querySelector(".live"), byKey.get(take.dataset.key), !page.rendering && PENDING.has(status));
  }
  for (const card of document.querySelectorAll(".card.shot")) {
    const state = byKey.get(card.dataset.keyUsed);
    card.dataset.state = state ?? "";
    const status = card.querySelector("[data-testid=status]").textContent;
    paint(card.querySelector("h3 .live"), state, !page.rendering && PENDING.has(status));
  }
}

export function log(text) {
  if (!text) return;
  const list = $("log");
  list.append(h("li", {}, text));
  while (list.children.length > 200) list.firstChild.remove();
}

export function progress(e) {
  if (e.type === "shot") {
    byLabel.set(e.shot, e.state);
    byKey.set(e.key, e.state);
    if (e.error) log(`${e.shot}: ${e.error}`);
    paintLive();
  } else if (e.type === "stitch") $("stitch").textContent = `stitching ${e.film}: ${e.percent}%`;
  else if (e.type === "film") $("stitch").textContent = `film written: ${e.output}`;
  else if (e.type === "notice") log(e.text);
  else if (e.type === "summary") log((e.lines ?? []).join("\n"));
}

export function renderEvent(e) {
  // The last render's end, sent again on (re)connecting: news only to a page that still shows it running.
  if (e.replayed && !page.rendering) return;
  if (e.state === "started") {
    byLabel.clear();
    byKey.clear();
    $("stitch").textContent = "";
    fail("");
    setRendering(true);
    say("rendering…");
    paintLive();
    return;
  }
  setRendering(false);
  filmVersion++;
  if ($("stitch").textContent.startsWith("stitching")) $("stitch").textContent = "";
  if (e.ok === false) {
    say("the render stopped");
    fail(e.error ?? "the render failed");
  } else say(`render finished${e.cost !== undefined ? `: spent ${dollars(e.cost)}` : ""}`);
  paintLive();
}

export async function start() {
  if (!token) return fail("This page needs its token: open the URL `storyreel studio` printed.");
  const first = await api("/api/view");
  if (first.status === 200) show(first.data);
  else fail(first.data.error ?? `the studio answered ${first.status}`);
  const events = new EventSource(withToken("/api/events"));
  events.addEventListener("view", (m) => show(JSON.parse(m.data)));
  events.addEventListener("progress", (m) => progress(JSON.parse(m.data)));
  events.addEventListener("render", (m) => renderEvent(JSON.parse(m.data)));
  events.addEventListener("open", () => $("status").textContent.startsWith("lost") && say("connected"));
  events.addEventListener("error", () => say("lost the connection to the studio; retrying…"));
}

start();
