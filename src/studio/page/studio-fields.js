// The studio page's fields: a shot's prompt, duration and transition and a still's prompt, edited in place,
// saved into the storyboard (POST /api/edit) and undone with Ctrl-Z.
import { api, fail, h, notice, page, say, undo } from "./studio-dom.js?token=__STORYREEL_TOKEN__";
import { show } from "./studio.js?token=__STORYREEL_TOKEN__";

// ---- Edits ---------------------------------------------------------------------------------------------------

export function field(target, name, value, testid, ...controls) {
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

export function promptField(target, prompt, testid) {
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

export function durationField(s) {
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

export function transitionField(s) {
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

export function syncTransition(f) {
  if (f.dataset.name !== "transition") return;
  const [select, seconds] = f.querySelectorAll("select, input");
  seconds.disabled = select.value === "cut";
}

// Escape: the field as the file has it, its error gone.
export function revert(f) {
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

export function readValue(f) {
  const control = f.querySelector("textarea, input, select");
  if (f.dataset.name === "prompt") return control.value;
  if (f.dataset.name === "duration") return control.value === "" ? control.value : Number(control.value);
  const [select, seconds] = f.querySelectorAll("select, input");
  if (select.value === "cut") return { type: "cut" };
  return { type: select.value, duration: seconds.value === "" ? 0.5 : Number(seconds.value) };
}

export function fieldError(f, text) {
  f.classList.toggle("invalid", !!text);
  const p = f.querySelector("p.error");
  p.hidden = !text;
  p.textContent = text ?? "";
}

export async function save(f) {
  if (page.replacing || !f.isConnected || !page.view) return;
  const value = readValue(f);
  const before = JSON.parse(f.dataset.original);
  if (JSON.stringify(value) === JSON.stringify(before)) return fieldError(f, undefined);
  const target = JSON.parse(f.dataset.target);
  const done = await edit(target, f.dataset.name, value, f);
  if (done) undo.push({ target, field: f.dataset.name, before, after: value });
}

// One edit to the file; true when written. A stale base takes the fresh view (the edit is dropped).
export async function edit(target, name, value, f) {
  const what = `${name} of ${target.shot ?? `still ${target.still}`}`;
  const r = await api("/api/edit", { base: page.view.hash, edits: [{ ...target, field: name, value }] });
  if (r.status === 200) {
    if (f) {
      f.dataset.original = JSON.stringify(value);
      fieldError(f, undefined);
    }
    notice("");
    say(`saved the ${what} to ${page.view.storyboard}`);
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
