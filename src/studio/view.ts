// The studio's View (version 1 of studio-contract.md): a pure function of a planned film and of which files
// exist. Every playable file is named by a /files/cache/... or /files/project/... URL, never by its path.
import path from "node:path";
import type { Problem } from "../errors.js";
import { isInside } from "../paths.js";
import type { PlannedStep } from "../plan/steps.js";
import type { Plan, PlannedShot } from "../plan/plan-types.js";
import type { ProviderId } from "../plan/key.js";
import { isPass, labelOf } from "../steps/registry.js";
import type { Storyboard } from "../storyboard/types.js";
import { filmFiles } from "../util/output-files.js";

export interface TakeView {
  take: number;
  key: string;
  status: string;
  used: boolean;
  url?: string;
  poster?: string;
}

export interface ShotView {
  id: string;
  prompt: string;
  duration: number;
  transition: { type: string; duration: number };
  model: string;
  mode: string;
  endpoint: string;
  resolution?: string;
  status: string;
  reason?: string;
  cost: number;
  take: number;
  takes: TakeView[];
  passes?: Array<{ id: string; label: string; status: string; cost: number; url?: string }>;
  finished?: { url?: string };
}

export interface StepView {
  id: string;
  kind: string;
  label: string;
  status: string;
  cost: number;
  reason?: string;
  waits_for?: string[];
}

export interface View {
  version: 1;
  storyboard: string;
  hash: string;
  provider: ProviderId;
  title?: string;
  valid: boolean;
  problems?: Array<{ file: string; line: number; col: number; path: string; message: string }>;
  rendering: boolean;
  film?: { url: string; exists: boolean; seconds?: number };
  plan: { cost: Plan["cost"]; warnings?: string[]; steps: StepView[] };
  stills: Array<{ name: string; prompt: string; take: number; takes: TakeView[] }>;
  shots: ShotView[];
}

// The two folders the studio serves files from, and how it asks whether a file exists.
export interface FileRoots {
  project: string;
  cache: string;
  exists: (file: string) => boolean;
}

export interface ViewInput {
  board: Storyboard;
  plan: Plan;
  // The storyboard as given, relative to the project.
  storyboard: string;
  hash: string;
  provider: ProviderId;
  rendering: boolean;
  // The film's absolute path.
  output: string;
}

const STILL_TYPES = ["png", "jpeg", "jpg", "webp"];

// A file's URL when it exists under one of the two roots.
export function fileUrl(roots: FileRoots, file: string): string | undefined {
  if (!roots.exists(file)) return undefined;
  for (const [name, root] of [
    ["cache", roots.cache],
    ["project", roots.project],
  ] as const)
    if (isInside(root, file) && file !== root)
      return `/files/${name}/${path.relative(root, file).split(path.sep).map(encodeURIComponent).join("/")}`;
  return undefined;
}

export function buildView(input: ViewInput, roots: FileRoots): View {
  const { board, plan } = input;
  const posters = filmFiles(input.output).posters;
  const url = (file: string) => fileUrl(roots, file);
  const clipUrl = (key: string) => url(path.join(roots.cache, "clips", `${key}.mp4`));
  const stillUrl = (key: string) =>
    STILL_TYPES.map((ext) => url(path.join(roots.cache, "stills", `${key}.${ext}`))).find(Boolean);
  const clipTake = (t: { take: number; key: string; status: string }, used: number): TakeView => {
    const poster = url(path.join(posters, `${t.key.slice(0, 16)}.jpg`));
    const clip = clipUrl(t.key);
    return { ...takeBase(t, used), ...(clip && { url: clip }), ...(poster && { poster }) };
  };
  const film = filmView(input, roots);
  return {
    version: 1,
    storyboard: input.storyboard,
    hash: input.hash,
    provider: input.provider,
    ...(board.title !== undefined && { title: board.title }),
    valid: true,
    rendering: input.rendering,
    ...(film && { film }),
    plan: {
      cost: plan.cost,
      ...(plan.warnings && { warnings: plan.warnings }),
      steps: plan.steps.map(stepView),
    },
    stills: board.stills.map((still) => {
      const step = plan.steps.find((s) => s.id === `still:${still.name}`);
      const used = step?.take ?? 1;
      const takes = step ? takesOf(step) : [];
      return {
        name: still.name,
        prompt: still.prompt,
        take: used,
        takes: takes.map((t) => {
          const image = stillUrl(t.key);
          return { ...takeBase(t, used), ...(image && { url: image }) };
        }),
      };
    }),
    shots: plan.shots.map((shot) => {
      const spec = board.shots[shot.index]!;
      const used = shot.take ?? 1;
      const passes = (shot.passes ?? [])
        .map((id) => plan.steps.find((s) => s.id === id && isPass(s)))
        .filter((s): s is PlannedStep => s !== undefined)
        .map((s) => {
          const made = clipUrl(s.key);
          return { id: s.id, label: labelOf(s), status: s.status, cost: s.cost, ...(made && { url: made }) };
        });
      const finished = clipUrl(shot.finished ?? shot.key);
      return {
        ...shotFacts(shot),
        prompt: spec.prompt,
        transition: { type: spec.transition.type, duration: spec.transition.duration },
        take: used,
        takes: takesOf(shot).map((t) => clipTake(t, used)),
        ...(passes.length > 0 && { passes }),
        finished: finished ? { url: finished } : {},
      };
    }),
  };
}

// The last good view, marked invalid with the problems that stop the storyboard from planning now.
export function invalidView(last: View, problems: Problem[], hash: string): View {
  return {
    ...last,
    hash,
    valid: false,
    problems: problems.map((p) => ({
      file: p.file,
      line: p.line ?? 1,
      col: p.col ?? 1,
      path: p.path,
      message: p.message,
    })),
  };
}

// A storyboard that never planned: nothing to show but its problems.
export function emptyView(storyboard: string, provider: ProviderId, rendering: boolean): View {
  return {
    version: 1,
    storyboard,
    hash: "",
    provider,
    valid: true,
    rendering,
    plan: { cost: { currency: "USD", film: 0, new: 0, cached: 0, in_flight: 0 }, steps: [] },
    stills: [],
    shots: [],
  };
}

function shotFacts(shot: PlannedShot) {
  return {
    id: shot.id,
    duration: shot.duration,
    model: shot.model,
    mode: shot.mode,
    endpoint: shot.endpoint,
    ...(shot.resolution !== undefined && { resolution: shot.resolution }),
    status: shot.status,
    ...(shot.reason !== undefined && { reason: shot.reason }),
    cost: shot.cost,
  };
}

function stepView(s: PlannedStep): StepView {
  return {
    id: s.id,
    kind: s.kind,
    label: labelOf(s),
    status: s.status,
    cost: s.cost,
    ...(s.reason !== undefined && { reason: s.reason }),
    ...(s.waits_for && { waits_for: s.waits_for }),
  };
}

// Every take of a step; a step with one take has it as its only take.
function takesOf(step: {
  key: string;
  status: string;
  takes?: Array<{ take: number; key: string; status: string }>;
}) {
  return step.takes ?? [{ take: 1, key: step.key, status: step.status }];
}

function takeBase(t: { take: number; key: string; status: string }, used: number) {
  return { take: t.take, key: t.key, status: t.status, used: t.take === used };
}

// The film when it lies under a served folder; its length is the shots' kept lengths less each transition's overlap.
function filmView(input: ViewInput, roots: FileRoots): View["film"] {
  const exists = roots.exists(input.output);
  const url = fileUrl({ ...roots, exists: () => true }, input.output);
  if (!url) return undefined;
  const seconds = input.board.shots.reduce((sum, s, i) => {
    const kept = s.trim ? s.trim.end - s.trim.start : s.duration;
    return sum + kept - (i > 0 && s.transition.type !== "cut" ? s.transition.duration : 0);
  }, 0);
  return { url, exists, seconds: Math.round(seconds * 1000) / 1000 };
}
