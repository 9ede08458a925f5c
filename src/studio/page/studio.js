// storyreel studio's page: shows the View (GET /api/view, then SSE `view`), follows a render live (SSE `progress`
// and `render`), and sends the page's actions (render, stop, pick, retake, edit) with the token in a header.
const token = new URLSearchParams(location.search).get("token") ?? "";
const $ = (id) => document.getElementById(id);
const PENDING = new Set(["generate", "collect", "looking up", "extract"]);
let view;
let rendering = false;
let replacing = false;
// The render's step states since it started: by the step's label and by its key (a take's tile).
const byLabel = new Map();
const byKey = new Map();
const undo = [];

// A file of the View (or the event stream) with the token in its query: <video> and EventSource send no headers.
function withToken(url) {
  const u = new URL(url, location.origin);
  u.searchParams.set("token", token);
  return u.pathname + u.search;
}

async function api(path, body) {
  const init = { method: body === undefined ? "GET" : "POST", headers: { "X-Storyreel-Token": token } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  try {
    const res = await fetch(path, init);
    return { status: res.status, data: await res.json().catch(() => ({})) };
  } catch (e) {
    return { status: 0, data: { error: `the studio does not answer (${e.message}); is it still running?` } };
  }
}

function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === false || v === null) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "value") el.value = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  el.append(...children.flat().filter((c) => c !== undefined && c !== null && c !== false && c !== ""));
  return el;
}

const dollars = (n) => `$${(n ?? 0).toFixed(2)}`;
const badge = (status, testid) =>
  h("span", { class: `badge status-${status}`, "data-testid": testid }, status);

function say(text) {
  $("status").textContent = text;
}

function fail(text) {
  $("error").hidden = !text;
  $("error").textContent = text ?? "";
}

function notice(text) {
  $("notice").hidden = !text;
  $("notice").textContent = text ?? "";
}

// ---- The view ------------------------------------------------------------------------------------------------

function show(next, keepEdits = true) {
  view = next;
  replacing = true;
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
    replacing = false;
  }
}

function setRendering(on) {
  rendering = on;
  $("render").disabled = on;
  $("stop").hidden = !on;
}

function showProblems(next) {
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

let filmVersion = 0;
function showFilm(film) {
  const section = $("film-section");
  section.hidden = !film?.exists;
  if (!film?.exists) return;
  const video = $("film");
  const src = `${withToken(film.url)}${filmVersion ? `&v=${filmVersion}` : ""}`;
  if (video.getAttribute("src") !== src) video.setAttribute("src", src);
  $("film-meta").textContent = film.seconds === undefined ? "" : `${film.seconds.toFixed(1)} s`;
}

function showPlan(plan) {
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

// Cards are rebuilt only when their part of the view changed, so a video keeps playing and a field keeps focus;
// a rebuilt card takes over what is being typed in it.
function keyed(container, items, keyOf, build, keepEdits) {
  const old = new Map([...container.children].map((c) => [c.dataset.key, c]));
  const refocus = [];
  const nodes = items.map((item) => {
    const key = keyOf(item);
    const sig = JSON.stringify(item);
    const prev = old.get(key);
    if (prev && prev.dataset.sig === sig && keepEdits) return prev;
    const node = build(item);
    node.dataset.key = key;
    node.dataset.sig = sig;
    if (prev && keepEdits) refocus.push(carryEdits(prev, node));
    return node;
  });
  let at = container.firstChild;
  for (const node of nodes) {
    if (node === at) at = at.nextSibling;
    else container.insertBefore(node, at);
  }
  while (at) {
    const next = at.nextSibling;
    at.remove();
    at = next;
  }
  for (const focus of refocus) focus();
}

// Returns what puts the focus back, to call once the new card is in the page.
function carryEdits(from, to) {
  let refocus = () => {};
  for (const field of from.querySelectorAll(".field")) {
    const other = to.querySelector(`.field[data-field="${CSS.escape(field.dataset.field)}"]`);
    if (!other) continue;
    const controls = [...field.querySelectorAll("input, textarea, select")];
    const targets = [...other.querySelectorAll("input, textarea, select")];
    if (JSON.stringify(readValue(field)) !== field.dataset.original)
      controls.forEach((c, i) => targets[i] && (targets[i].value = c.value));
    const focused = controls.indexOf(document.activeElement);
    if (focused >= 0 && targets[focused]) {
      const [start, end] = [controls[focused].selectionStart, controls[focused].selectionEnd];
      const target = targets[focused];
      refocus = () => {
        target.focus();
        if (typeof start === "number" && target.setSelectionRange) target.setSelectionRange(start, end);
      };
    }
    syncTransition(other);
  }
  return refocus;
}

function takesRow(owner, id, takes, image) {
  return h(
    "div",
    { class: "takes" },
    takes.map((t) =>
      h(
        "div",
        { class: `take${t.used ? " used" : ""}`, "data-take": t.take, "data-key": t.key },
        image
          ? t.url && h("img", { src: withToken(t.url), alt: `${owner} take ${t.take}` })
          : t.url &&
              h("video", {
                src: withToken(t.url),
                poster: t.poster && withToken(t.poster),
                controls: true,
                preload: "metadata",
                "aria-label": `${owner} take ${t.take}`,
              }),
        !t.url && h("p", {}, "not made yet"),
        h(
          "div",
          { class: "row" },
          h("span", {}, `take ${t.take}${t.used ? " · in use" : ""}`),
          badge(t.status, "take-status"),
          h("span", { class: "badge live", "data-testid": "state" }),
          !t.used &&
            h(
              "button",
              {
                class: "small",
                "aria-label": `Pick take ${t.take} of ${owner}`,
                "data-testid": `pick-${owner}-${t.take}`,
                onclick: () => pick(id, owner, t.take),
              },
              "Pick",
            ),
        ),
      ),
    ),
  );
}

function retakeButton(id, owner) {
  return h(
    "button",
    {
      class: "small",
      "aria-label": `Retake ${owner}`,
      "data-testid": `retake-${owner}`,
      onclick: () => retake(id, owner),
    },
    "Retake",
  );
}

const card = (c) => (c.still ? stillCard(c.still) : shotCard(c.shot));

function stillCard(s) {
  return h(
    "div",
    { class: "card still", id: `still-${s.name}`, "data-testid": `still-${s.name}` },
    h(
      "div",
      { class: "body" },
      h("h3", {}, `still ${s.name}`),
      takesRow(s.name, `still:${s.name}`, s.takes, true),
      promptField({ still: s.name }, s.prompt, `prompt-still-${s.name}`),
      h("div", { class: "actions" }, retakeButton(`still:${s.name}`, s.name)),
    ),
  );
}

function shotCard(s) {
  const used = s.takes.find((t) => t.used);
  const passes = (s.passes ?? []).map((p) =>
    h(
      "span",
      { class: "pass", "data-pass": p.id },
      `${p.label} `,
      badge(p.status, "pass-status"),
      ` ${dollars(p.cost)}`,
      p.url && h("a", { href: withToken(p.url) }, " ▶"),
    ),
  );
  return h(
    "div",
    { class: "card shot", id: `shot-${s.id}`, "data-key-used": used?.key, "data-testid": `shot-${s.id}` },
    h(
      "div",
      { class: "body" },
      h("h3", {}, s.id, " ", h("span", { class: "badge live", "data-testid": "state" })),
      takesRow(s.id, `shot:${s.id}`, s.takes, false),
      h(
        "p",
        { class: "tags" },
        badge(s.status, "status"),
        h("span", {}, `${s.model} · ${s.mode}${s.resolution ? ` · ${s.resolution}` : ""}`),
        h("span", {}, `${s.duration} s`),
        h("span", { "data-testid": "cost" }, dollars(s.cost)),
      ),
      s.reason && h("p", { class: "reason", "data-testid": "reason" }, s.reason),
      passes.length > 0 &&
        h(
          "p",
          { class: "passes" },
          "passes: ",
          passes,
          s.finished?.url && h("a", { href: withToken(s.finished.url) }, " · ▶ finished clip"),
        ),
      promptField({ shot: s.id }, s.prompt, `prompt-${s.id}`),
      h("div", { class: "inline fields" }, durationField(s), transitionField(s)),
      h("div", { class: "actions" }, retakeButton(`shot:${s.id}`, s.id)),
    ),
  );
}

// ---- Edits ---------------------------------------------------------------------------------------------------

function field(target, name, value, testid, ...controls) {
  const key = `${target.shot ? `shot:${target.shot}` : `still:${target.still}`}:${name}`;
  return h(
    "div",
    {
      class: "field",
      "data-field": key,
      "data-name": name,
      "data-target": JSON.stringify(target),
      "data-original": JSON.stringify(value),
      "data-testid": `field-${testid}`,
      onfocusout: (e) => !e.currentTarget.contains(e.relatedTarget) && save(e.currentTarget),
      onkeydown: (e) => {
        const textarea = e.target.tagName === "TEXTAREA";
        if (e.key === "Enter" && (!textarea || e.ctrlKey || e.metaKey)) {
          e.preventDefault();
          save(e.currentTarget);
        } else if (e.key === "Escape") revert(e.currentTarget);
      },
    },
    ...controls,
    h("p", { class: "error", hidden: true }),
  );
}

function promptField(target, prompt, testid) {
  const label = `Prompt of ${target.shot ?? target.still}`;
  return field(
    target,
    "prompt",
    prompt,
    testid,
    h("label", {}, "prompt"),
    h("textarea", { "aria-label": label, "data-testid": testid, value: prompt, rows: 3 }),
  );
}

function durationField(s) {
  const control = h("input", {
    type: "number",
    min: 0,
    step: "any",
    value: String(s.duration),
    "aria-label": `Duration of ${s.id}`,
    "data-testid": `duration-${s.id}`,
  });
  return field(
    { shot: s.id },
    "duration",
    s.duration,
    `duration-${s.id}`,
    h("label", {}, "duration (s)"),
    control,
  );
}

function transitionField(s) {
  const t = s.transition;
  const value = t.type === "cut" ? { type: "cut" } : { type: t.type, duration: t.duration };
  const select = h(
    "select",
    {
      "aria-label": `Transition into ${s.id}`,
      "data-testid": `transition-${s.id}`,
      onchange: (e) => {
        syncTransition(e.target.closest(".field"));
        save(e.target.closest(".field"));
      },
    },
    ["cut", "crossfade", "fade"].map((type) => h("option", { value: type, selected: type === t.type }, type)),
  );
  const seconds = h("input", {
    type: "number",
    min: 0,
    step: 0.1,
    value: String(t.duration),
    "aria-label": `Transition duration into ${s.id}`,
    "data-testid": `transition-duration-${s.id}`,
  });
  const f = field({ shot: s.id }, "transition", value, `transition-${s.id}`, h("label", {}, "transition in"));
  f.insertBefore(h("div", { class: "inline" }, select, seconds, "s"), f.lastChild);
  syncTransition(f);
  return f;
}

function syncTransition(f) {
  if (f.dataset.name !== "transition") return;
  const [select, seconds] = f.querySelectorAll("select, input");
  seconds.disabled = select.value === "cut";
}

// Escape: the field as the file has it, its error gone.
function revert(f) {
  const value = JSON.parse(f.dataset.original);
  const [first, second] = f.querySelectorAll("textarea, input, select");
  if (f.dataset.name !== "transition") first.value = String(value);
  else {
    first.value = value.type;
    if (value.duration !== undefined) second.value = String(value.duration);
    syncTransition(f);
  }
  fieldError(f, undefined);
}

function readValue(f) {
  const control = f.querySelector("textarea, input, select");
  if (f.dataset.name === "prompt") return control.value;
  if (f.dataset.name === "duration") return control.value === "" ? control.value : Number(control.value);
  const [select, seconds] = f.querySelectorAll("select, input");
  if (select.value === "cut") return { type: "cut" };
  return { type: select.value, duration: seconds.value === "" ? 0.5 : Number(seconds.value) };
}

function fieldError(f, text) {
  f.classList.toggle("invalid", !!text);
  const p = f.querySelector("p.error");
  p.hidden = !text;
  p.textContent = text ?? "";
}

async function save(f) {
  if (replacing || !f.isConnected || !view) return;
  const value = readValue(f);
  const before = JSON.parse(f.dataset.original);
  if (JSON.stringify(value) === JSON.stringify(before)) return fieldError(f, undefined);
  const target = JSON.parse(f.dataset.target);
  const done = await edit(target, f.dataset.name, value, f);
  if (done) undo.push({ target, field: f.dataset.name, before, after: value });
}

// One edit to the file; true when written. A stale base takes the fresh view (the edit is dropped).
async function edit(target, name, value, f) {
  const what = `${name} of ${target.shot ?? `still ${target.still}`}`;
  const r = await api("/api/edit", { base: view.hash, edits: [{ ...target, field: name, value }] });
  if (r.status === 200) {
    if (f) {
      f.dataset.original = JSON.stringify(value);
      fieldError(f, undefined);
    }
    notice("");
    say(`saved the ${what} to ${view.storyboard}`);
    show(r.data.view);
    return true;
  }
  if (r.status === 409 && r.data.stale) {
    const fresh = await api("/api/view");
    if (fresh.status === 200) show(fresh.data, false);
    notice("the storyboard changed on disk; reloaded");
    return false;
  }
  const problems = r.data.errors?.map((p) => `${p.path ? `${p.path}: ` : ""}${p.message}`).join("\n");
  const text = problems ?? r.data.error ?? `the edit failed (${r.status})`;
  if (f?.isConnected) fieldError(f, text);
  else fail(`${what}: ${text}`);
  return false;
}

// Ctrl-Z outside a field: the last edit undone by another edit with the value it replaced.
document.addEventListener("keydown", async (e) => {
  if (e.key.toLowerCase() !== "z" || !(e.ctrlKey || e.metaKey) || e.shiftKey) return;
  const el = document.activeElement;
  if (el && (["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName) || el.isContentEditable)) return;
  const last = undo.pop();
  if (!last) return say("nothing to undo");
  e.preventDefault();
  if (await edit(last.target, last.field, last.before)) say(`undid the ${last.field} edit`);
});

// ---- Actions -------------------------------------------------------------------------------------------------

function ask(confirm) {
  const dialog = $("confirm");
  $("confirm-text").textContent = confirm.text;
  $("confirm-cost").textContent = `New spending: ${dollars(confirm.cost)}`;
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) =>
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true }),
  );
}

// A request that may spend money: a 409 with `confirm` asks first, then sends it again with confirm: true.
async function paid(path, body, what) {
  fail("");
  let r = await api(path, body);
  if (r.status === 409 && r.data.confirm) {
    if (!(await ask(r.data.confirm))) return say(`${what}: cancelled, nothing spent`);
    r = await api(path, { ...body, confirm: true });
  }
  if (r.status >= 300 || r.status === 0) return fail(r.data.error ?? `${what} failed (${r.status})`);
  say(`${what}: started`);
}

async function pick(id, owner, take) {
  fail("");
  const r = await api("/api/pick", { id, take });
  if (r.status !== 200) return fail(r.data.error ?? `pick failed (${r.status})`);
  show(r.data.view);
  say(`picked take ${take} of ${owner}; a render now would spend ${dollars(r.data.view.plan.cost.new)}`);
}

const retake = (id, owner) => paid("/api/retake", { id }, `retake of ${owner}`);
$("render").addEventListener("click", () => paid("/api/render", {}, "render"));
$("stop").addEventListener("click", async () => {
  const r = await api("/api/stop", {});
  if (r.status >= 300 || r.status === 0) fail(r.data.error ?? `stop failed (${r.status})`);
  else say("stopping: no new steps are submitted, paid work is collected");
});

// ---- Live ----------------------------------------------------------------------------------------------------

function paintLive() {
  const paint = (badgeEl, state, stale) => {
    const text = state && !stale ? state : "";
    badgeEl.textContent = text;
    badgeEl.className = `badge live${text ? ` state-${text}` : ""}`;
    badgeEl.hidden = !text;
  };
  for (const row of $("plan").querySelectorAll("tr[data-label]")) {
    const state = byLabel.get(row.dataset.label);
    row.dataset.state = state ?? "";
    paint(row.querySelector(".live"), state, !rendering && PENDING.has(row.dataset.status));
  }
  for (const take of document.querySelectorAll(".take[data-key]")) {
    const status = take.querySelector("[data-testid=take-status]").textContent;
    paint(take.querySelector(".live"), byKey.get(take.dataset.key), !rendering && PENDING.has(status));
  }
  for (const card of document.querySelectorAll(".card.shot")) {
    const state = byKey.get(card.dataset.keyUsed);
    card.dataset.state = state ?? "";
    const status = card.querySelector("[data-testid=status]").textContent;
    paint(card.querySelector("h3 .live"), state, !rendering && PENDING.has(status));
  }
}

function log(text) {
  if (!text) return;
  const list = $("log");
  list.append(h("li", {}, text));
  while (list.children.length > 200) list.firstChild.remove();
}

function progress(e) {
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

function renderEvent(e) {
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

async function start() {
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
