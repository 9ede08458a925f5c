// The studio page's cards: a still or a shot, its takes side by side (playable, the one in use marked, Pick),
// rebuilt only when their part of the view changed.
import { badge, dollars, h, withToken } from "./studio-dom.js?token=__STORYREEL_TOKEN__";
import { durationField, field, promptField, readValue, syncTransition, transitionField } from "./studio-fields.js?token=__STORYREEL_TOKEN__";
import { pick, retake } from "./studio.js?token=__STORYREEL_TOKEN__";

// Cards are rebuilt only when their part of the view changed, so a video keeps playing and a field keeps focus;
// a rebuilt card takes over what is being typed in it.
export function keyed(container, items, keyOf, build, keepEdits) {
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
export function carryEdits(from, to) {
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

export function takesRow(owner, id, takes, image) {
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

export function retakeButton(id, owner) {
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

export const card = (c) => (c.still ? stillCard(c.still) : shotCard(c.shot));

export function stillCard(s) {
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

export function shotCard(s) {
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
