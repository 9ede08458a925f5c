// The studio page's small parts: the token on every request, the API, building elements, the status lines,
// and the page's state that the other modules share.

export const token = new URLSearchParams(location.search).get("token") ?? "";
export const $ = (id) => document.getElementById(id);
export const PENDING = new Set(["generate", "collect", "looking up", "extract"]);
// What the page shows and is doing: the View, whether a render runs, whether a view is being put in place.
export const page = { view: undefined, rendering: false, replacing: false };
// The render's step states since it started: by the step's label and by its key (a take's tile).
export const byLabel = new Map();
export const byKey = new Map();
export const undo = [];

// A file of the View (or the event stream) with the token in its query: <video> and EventSource send no headers.
export function withToken(url) {
  const u = new URL(url, location.origin);
  u.searchParams.set("token", token);
  return u.pathname + u.search;
}

export async function api(path, body) {
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

export function h(tag, props = {}, ...children) {
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

export const dollars = (n) => `$${(n ?? 0).toFixed(2)}`;
export const badge = (status, testid) =>
  h("span", { class: `badge status-${status}`, "data-testid": testid }, status);

export function say(text) {
  $("status").textContent = text;
}

export function fail(text) {
  $("error").hidden = !text;
  $("error").textContent = text ?? "";
}

export function notice(text) {
  $("notice").hidden = !text;
  $("notice").textContent = text ?? "";
}
