// A shot's finishing passes in their fixed order: its clip → (upscale, when lip-sync needs a bigger clip) →
// lip-sync → upscale to the asked height. Each link is a step of the graph with its own key.
import type { PassModel } from "../models/pass-types.js";
import type { Shot } from "../storyboard/types.js";
import { clipSize } from "../storyboard/clip-size.js";
import { upscaleBeforeLipsync } from "../storyboard/passes.js";

export interface PassLink {
  // "lipsync:warning", "upscale:warning@1080p".
  id: string;
  kind: "lipsync" | "upscale";
  // "warning", "warning@1080p": the id without its kind.
  name: string;
  shot: string;
  pass: PassModel;
  // The step whose clip it takes: the shot's clip or the link before it.
  input: string;
  height?: { name: string; pixels: number };
  syncMode?: string;
  // Why it runs, for the plan.
  why: string;
}

export interface PassChain {
  links: PassLink[];
  // An upscale asked for that does not run, and why ("already 1080 px high").
  notes: string[];
}

export function passChain(shot: Shot): PassChain {
  const links: PassLink[] = [];
  const notes: string[] = [];
  const size = clipSize(shot);
  let short = size ? Math.min(...size) : heightOf(shot.resolution);
  const shown = size ? `${size[0]}x${size[1]}` : `${short} px high`;
  let input = `shot:${shot.id}`;
  const upscale = (pass: PassModel, name: string, pixels: number, why: string) => {
    const link: PassLink = {
      id: `upscale:${shot.id}@${name}`,
      kind: "upscale",
      name: `${shot.id}@${name}`,
      shot: shot.id,
      pass,
      input,
      height: { name, pixels },
      why,
    };
    links.push(link);
    input = link.id;
    short = pixels;
  };
  if (shot.lipsync) {
    const { pass } = shot.lipsync;
    const upscaler = shot.upscale?.pass ?? shot.lipsync.upscaler;
    // The same rule validate checks the clip's size by.
    const first =
      short !== undefined && upscaler && upscaleBeforeLipsync(size ?? [short, short], pass, upscaler);
    if (first)
      upscale(
        first.pass,
        first.height,
        first.pixels,
        `${pass.name} takes clips of ${pass.limits.video?.min_side} px or more; this one is ${shown}`,
      );
    links.push({
      id: `lipsync:${shot.id}`,
      kind: "lipsync",
      name: shot.id,
      shot: shot.id,
      pass,
      input,
      ...(shot.lipsync.syncMode && { syncMode: shot.lipsync.syncMode }),
      why: `lip-syncs the voice-over with ${pass.name}`,
    });
    input = `lipsync:${shot.id}`;
  }
  const asked = shot.upscale;
  if (asked) {
    if (short === undefined || short < asked.pixels)
      upscale(
        asked.pass,
        asked.height,
        asked.pixels,
        short === undefined
          ? `upscales to ${asked.height}`
          : `the clip is ${links.length ? `${short} px high` : shown}, below ${asked.height}`,
      );
    else notes.push(`already ${short} px high: not upscaled to ${asked.height}`);
  }
  return { links, notes };
}

// "720p" → 720, "4k" → 2160, when the model file gives no sizes to read it from.
export function heightOf(resolution: string | undefined): number | undefined {
  if (!resolution) return undefined;
  const p = /^(\d+)p$/i.exec(resolution);
  if (p) return Number(p[1]);
  const k = /^(\d)k$/i.exec(resolution);
  return k ? ({ 2: 1440, 4: 2160 } as Record<string, number>)[k[1]!] : undefined;
}
