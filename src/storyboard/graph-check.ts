// The storyboard as a graph: every still and shot a reference names must exist, a frame must lie inside its
// clip, and nothing may depend on itself, directly or round a cycle.
import { closest, shown } from "../util/suggest.js";
import type { DataPath } from "./positions.js";
import type { Report } from "./report-problem.js";
import { shotImages, type ImageRef, type Shot, type Still } from "./types.js";
import { fitsImage } from "../models/modes.js";

export function checkGraph(
  stills: Still[],
  stillNames: string[] | undefined,
  shots: Shot[],
  report: Report,
  // Every shot id written, including shots whose model was not found (reported already).
  written: readonly string[] = shots.map((s) => s.id),
): void {
  const byId = new Map(shots.map((s) => [s.id, s]));
  const shotIds = [...byId.keys()];
  for (const name of stillNames ?? [])
    if (byId.has(name))
      report(
        ["stills"],
        `still "${name}" has the id of a shot; give stills and shots different names, so "waits for ${name}" says which`,
        name,
      );
  // `stills:` that is not a mapping was reported by the schema; naming its stills again would only repeat it.
  const skipStills = stillNames === undefined;
  stillNames = stillNames ?? [];
  for (const shot of shots) {
    const fields: Array<[DataPath, ImageRef | undefined]> = [
      [["image"], shot.image],
      [["end_image"], shot.endImage],
      ...(shot.references ?? []).map((r): [DataPath, ImageRef] => [["references", r.at], r.image]),
    ];
    for (const [field, image] of fields) {
      if (!image) continue;
      const at: DataPath = ["shots", shot.index, ...field];
      if (image.kind === "still" && !stillNames.includes(image.still) && !skipStills)
        report([...at, "still"], unknown("still", image.still, stillNames));
      if (image.kind !== "frame") continue;
      const source = byId.get(image.from);
      if (!source) {
        if (!written.includes(image.from)) report([...at, "from"], unknown("shot", image.from, shotIds));
      } else if (typeof image.frame === "number" && image.frame >= source.duration)
        report(
          [...at, "frame"],
          `${image.frame} s is outside shot "${source.id}"'s clip, which lasts ${source.duration} s (use a time below ${source.duration}, or last)`,
        );
    }
  }
  const stillEdges = new Map(stills.map((s) => [s.name, s.references.flatMap(stillOf)]));
  for (const cycle of cycles(stillEdges))
    report(
      ["stills", cycle[0]!, "edit"],
      `a cycle: ${[...cycle, cycle[0]].join(" → ")}; a still cannot be edited from itself`,
    );
  const shotEdges = new Map(shots.map((s) => [s.id, shotImages(s).flatMap(frameSource)]));
  for (const cycle of cycles(shotEdges)) {
    const first = byId.get(cycle[0]!)!;
    const next = cycle[1] ?? cycle[0]!;
    const ref = (first.references ?? []).find((r) => frameSource(r.image).includes(next))?.at ?? 0;
    const field = frameSource(first.image).includes(next)
      ? ["image"]
      : frameSource(first.endImage).includes(next)
        ? ["end_image"]
        : ["references", ref];
    report(
      ["shots", first.index, ...field, "from"],
      cycle.length === 1
        ? `shot "${cycle[0]}" takes a frame of its own clip, which cannot exist before the shot is made`
        : `a cycle: ${[...cycle, cycle[0]].join(" → ")}; each of these shots takes a frame of the next, so none can be made first`,
    );
  }
}

function stillOf(image: ImageRef): string[] {
  return image.kind === "still" ? [image.still] : [];
}

function frameSource(image: ImageRef | undefined): string[] {
  return image?.kind === "frame" ? [image.from] : [];
}

function unknown(what: "still" | "shot", name: string, known: string[]): string {
  // A shot without a valid id is listed by its place (shots[1]), but never offered as a hint.
  const hint = closest(
    name,
    known.filter((k) => !k.includes("[")),
  );
  const list = known.length ? `; the ${what}s are: ${known.join(", ")}` : `; this storyboard has no ${what}s`;
  return `unknown ${what} ${shown(name)}${hint ? ` (did you mean "${hint}"?)` : ""}${list}`;
}

// Every cycle once, each as its members in order (Tarjan's strongly connected components, plus self-loops).
export function cycles(edges: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!edges.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.unshift(w);
    } while (w !== v);
    if (component.length > 1 || (edges.get(v) ?? []).includes(v)) found.push(order(component, edges));
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return found;
}

// A component's members in the order the references run, starting from the first one written.
function order(component: string[], edges: Map<string, string[]>): string[] {
  const members = new Set(component);
  const start = [...edges.keys()].find((k) => members.has(k))!;
  const path = [start];
  while (path.length < component.length) {
    const nextOne = (edges.get(path.at(-1)!) ?? []).find((w) => members.has(w) && !path.includes(w));
    if (!nextOne) break;
    path.push(nextOne);
  }
  return path.length === component.length ? path : component;
}

// A still feeds each shot that uses it, and each shot's own model has its own image limits (stills.ts checks
// `size` against the storyboard's model): a still one of them would refuse is found before it is paid for.
export function checkStillsFit(stills: Still[], shots: Shot[], report: Report): void {
  const byName = new Map(stills.map((s) => [s.name, s]));
  for (const shot of shots) {
    const limits = shot.model.image;
    if (!limits) continue;
    for (const image of shotImages(shot)) {
      const still = image.kind === "still" ? byName.get(image.still) : undefined;
      if (!still) continue;
      const [w, h] = still.size ?? still.model.default_size;
      if (fitsImage(w, h, limits)) continue;
      report(
        ["stills", still.name],
        `is ${w}x${h}; shot "${shot.id}" uses it with ${shot.model.name}, which needs at least ${limits.min_side} px a side and an aspect ratio from ${limits.min_aspect} to ${limits.max_aspect}: give the still a size that suits it`,
      );
    }
  }
}
