// `<storyboard>.lock.yaml`: what the film in git is made of, per step (the take used, its key, the output's
// sha256 and size), meant to be committed. Stable order and one fact per line, so its diffs read well.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse, stringify } from "yaml";
import { UsageError } from "../errors.js";
import { isMissing } from "../util/fs.js";
import { MODE_NAMES } from "../models/types.js";
import { shown } from "../util/suggest.js";
import { writeFileAtomic } from "../cache/atomic.js";

export const LOCK_VERSION = 1;

export interface LockStep {
  // "still:keeper", "shot:arrival", "voice:arrival" (its voice-over), "music:bed", or a pass: "lipsync:arrival",
  // "upscale:arrival@1080p".
  id: string;
  // The cache key of the take used.
  key: string;
  take: number;
  // How many takes the step has (the storyboard's `takes`, plus retakes).
  takes: number;
  // True once `storyreel pick` chose the take; otherwise the first take that succeeded is used.
  picked?: true;
  // The endpoint that makes it; for a clip, also (as `endpoint`, `family` and `mode`) the endpoint, its
  // model's family alias and the mode the shot chose.
  model: string;
  endpoint?: string;
  family?: string;
  mode?: string;
  sha256?: string;
  bytes?: number;
  duration?: number;
  size?: string;
  request_id?: string;
  cost: number;
}

export interface Lockfile {
  version: typeof LOCK_VERSION;
  storyboard: string;
  // The provider whose outputs it pins (fal; preview only for a storyboard tried out offline).
  provider: "fal" | "preview";
  steps: LockStep[];
  film?: { key: string };
}

export function lockPath(storyboardPath: string): string {
  const name = path.basename(storyboardPath).replace(/\.ya?ml$/i, "");
  return path.join(path.dirname(storyboardPath), `${name}.lock.yaml`);
}

export async function readLock(file: string): Promise<Lockfile | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
  let data: unknown;
  try {
    data = parseOwnFormat(text) ?? parse(text);
  } catch (err) {
    throw new UsageError(
      `${file} is not valid YAML (${(err as Error).message.split("\n")[0]}); restore it from git`,
    );
  }
  const lock = data as Partial<Lockfile> | null;
  const shown = path.relative(process.cwd(), file) || file;
  if (!lock || lock.version !== LOCK_VERSION || !Array.isArray(lock.steps))
    throw new UsageError(
      `${shown} is not a storyreel lockfile of version ${LOCK_VERSION}; restore it from git`,
    );
  if (lock.provider !== "fal" && lock.provider !== "preview")
    throw new UsageError(
      `${shown}: provider must be fal or preview (got ${JSON.stringify(lock.provider)}); restore it from git`,
    );
  for (const [i, s] of lock.steps.entries()) {
    const bad = stepProblem(s as Partial<LockStep>);
    if (bad)
      throw new UsageError(
        `${shown}: steps[${i}]${typeof s?.id === "string" ? ` (${s.id})` : ""}: ${bad}; restore it from git`,
      );
  }
  return lock as Lockfile;
}

// What is wrong with a hand-edited step, if anything.
function stepProblem(s: Partial<LockStep> | null): string | undefined {
  if (!s || typeof s !== "object") return "must be a mapping";
  if (
    typeof s.id !== "string" ||
    !/^((shot|still|voice|music|lipsync):[a-z0-9][a-z0-9_-]*|upscale:[a-z0-9][a-z0-9_-]*@[a-z0-9]+)$/.test(
      s.id,
    )
  )
    return "id must be shot:ID, still:NAME, voice:ID, music:bed, lipsync:ID or upscale:ID@HEIGHT";
  if (typeof s.key !== "string" || !/^[0-9a-f]{64}$/.test(s.key))
    return "key must be 64 hexadecimal characters";
  const whole = (n: unknown) => Number.isInteger(n) && (n as number) >= 1;
  if (!whole(s.take) || !whole(s.takes) || s.take! > s.takes!)
    return "take and takes must be whole numbers, take at most takes";
  if (s.sha256 !== undefined && !/^[0-9a-f]{64}$/.test(String(s.sha256)))
    return "sha256 must be 64 hexadecimal characters";
  if (typeof s.model !== "string" || s.model === "")
    return `model must be a fal endpoint id (got ${shown(s.model)})`;
  // 1e400 reads as Infinity and -1e308 as a real number: each would pass a comparison it should fail.
  if (s.bytes !== undefined && !(Number.isSafeInteger(s.bytes) && s.bytes >= 0))
    return `bytes must be a whole number of bytes, 0 or more (got ${shown(s.bytes)})`;
  if (typeof s.cost !== "number" || !Number.isFinite(s.cost) || s.cost < 0)
    return `cost must be a number of dollars, 0 or more (got ${shown(s.cost)})`;
  if (
    s.duration !== undefined &&
    !(typeof s.duration === "number" && Number.isFinite(s.duration) && s.duration >= 0)
  )
    return `duration must be a number of seconds, 0 or more (got ${shown(s.duration)})`;
  if (s.size !== undefined && !/^[1-9]\d*x[1-9]\d*$/.test(String(s.size)))
    return `size must be WIDTHxHEIGHT (got ${shown(s.size)})`;
  if (s.endpoint !== undefined && (typeof s.endpoint !== "string" || s.endpoint === ""))
    return `endpoint must be a fal endpoint id (got ${shown(s.endpoint)})`;
  if (s.family !== undefined && (typeof s.family !== "string" || s.family === ""))
    return `family must be a video model's name (got ${shown(s.family)})`;
  if (s.mode !== undefined && !(MODE_NAMES as readonly unknown[]).includes(s.mode))
    return `mode must be one of ${MODE_NAMES.join(", ")} (got ${shown(s.mode)})`;
  if (s.picked !== undefined && s.picked !== true)
    return `picked must be true or absent (got ${shown(s.picked)})`;
  if (s.request_id !== undefined && (typeof s.request_id !== "string" || s.request_id === ""))
    return `request_id must be fal's request id (got ${shown(s.request_id)})`;
  return undefined;
}

const ORDER: Array<keyof LockStep> = [
  "id",
  "key",
  "take",
  "takes",
  "picked",
  "model",
  "endpoint",
  "family",
  "mode",
  "sha256",
  "bytes",
  "duration",
  "size",
  "request_id",
  "cost",
];

export function formatLock(lock: Lockfile): string {
  const steps = lock.steps.map((s) => {
    const ordered: Record<string, unknown> = {};
    for (const k of ORDER) if (s[k] !== undefined) ordered[k] = s[k];
    return ordered;
  });
  const body = stringify(
    {
      version: lock.version,
      storyboard: lock.storyboard,
      provider: lock.provider,
      steps,
      ...(lock.film && { film: lock.film }),
    },
    { lineWidth: 0 },
  );
  return `# storyreel lockfile: the takes and outputs this storyboard's film is made of. Commit it with the\n# storyboard; \`storyreel render --frozen\` renders exactly this. Written by storyreel.\n${body}`;
}

// Written only when it changed, so a render that changes nothing leaves git clean.
export async function writeLock(file: string, lock: Lockfile): Promise<boolean> {
  const text = formatLock(lock);
  const current = await readFile(file, "utf8").catch((err) => {
    if (isMissing(err)) return undefined;
    throw err;
  });
  if (current === text) return false;
  await writeFileAtomic(file, text);
  return true;
}

// The lock as storyreel writes it, read without the YAML library (a 100-step lock takes it ~45 ms, most of an
// up-to-date render). Anything unexpected (a hand edit, a quoted value) returns undefined, and YAML decides.
function parseOwnFormat(text: string): unknown {
  const scalar = (raw: string): unknown => {
    if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
    // Other numbers (1e400, .inf, .nan) are hand edits: YAML reads them as numbers, for the checks to refuse.
    if (/^[-+]?(\d[\d._eE+-]*|\.\d.*|\.(inf|nan))$/i.test(raw)) return undefined;
    if (raw === "true") return true;
    if (
      raw === "" ||
      /^["'&*!|>%@`{[\]#,?-]/.test(raw) ||
      /: |\s#/.test(raw) ||
      /^(false|null|~|yes|no|on|off)$/i.test(raw)
    )
      return undefined;
    return raw;
  };
  const out: Record<string, unknown> = {};
  let section: "top" | "steps" | "film" = "top";
  let step: Record<string, unknown> | undefined;
  const steps: Array<Record<string, unknown>> = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^( *)(- )?([a-z_0-9]+):(?: (.*))?$/.exec(line);
    if (!m) return undefined;
    const [, indent, dash, name, raw] = m;
    const value = raw === undefined ? undefined : scalar(raw);
    if (raw !== undefined && value === undefined) return undefined;
    if (indent === "" && !dash) {
      if (raw === undefined) {
        if (name === "steps") section = "steps";
        else if (name === "film") section = "film";
        else return undefined;
        if (name === "film") out.film = {};
        continue;
      }
      section = "top";
      out[name!] = value;
    } else if (section === "steps" && indent === "  " && dash) {
      step = { [name!]: value };
      steps.push(step);
    } else if (section === "steps" && indent === "    " && !dash && step) step[name!] = value;
    else if (section === "film" && indent === "  " && !dash)
      (out.film as Record<string, unknown>)[name!] = value;
    else return undefined;
  }
  out.steps = steps;
  return out;
}
