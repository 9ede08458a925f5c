// `storyreel models` on the finishing passes (models/passes/): lip-sync and upscale models with their price
// rule, the price of a 5 s clip through them, their limits and their sources.
import { passPrice, shippedPasses } from "../models/passes.js";
import type { PassModel } from "../models/pass-types.js";
import { priceInWords } from "../models/price.js";
import { dollars } from "../util/money.js";
import { COMPARE_SECONDS } from "./models-facts.js";

export interface PassFacts {
  name: string;
  kind: PassModel["kind"];
  title: string;
  endpoint: string;
  good_for: string;
  // A 5 s clip through it (to its lowest height, for an upscaler).
  price_5s?: number;
  price: string;
  heights?: string[];
  sync_modes?: string[];
  limits: PassModel["limits"];
  sources: PassModel["sources"];
}

export function passFacts(pass: PassModel): PassFacts {
  const height = Object.keys(pass.heights ?? {})[0];
  const price = passPrice(pass, { seconds: COMPARE_SECONDS, ...(height && { height }) });
  return {
    name: pass.name,
    kind: pass.kind,
    title: pass.title,
    endpoint: pass.endpoint,
    good_for: pass.good_for,
    ...(price !== undefined && { price_5s: price }),
    price: priceInWords(pass.price),
    ...(pass.heights && { heights: Object.keys(pass.heights) }),
    ...(pass.sync_modes && { sync_modes: pass.sync_modes }),
    limits: pass.limits,
    sources: pass.sources,
  };
}

export function findPassFacts(name: string): PassFacts | undefined {
  const pass = shippedPasses().find(
    (p) => p.name === name || p.aliases?.includes(name) || p.endpoint === name,
  );
  return pass && passFacts(pass);
}

export function allPassFacts(): PassFacts[] {
  return shippedPasses().map(passFacts);
}

export function passTable(passes: readonly PassFacts[]): string[] {
  const rows = [
    ["pass", "kind", `${COMPARE_SECONDS} s clip`, "endpoint"],
    ...passes.map((p) => [
      p.name,
      p.kind,
      p.price_5s === undefined ? "-" : `${dollars(p.price_5s)}${p.heights ? ` (to ${p.heights[0]})` : ""}`,
      p.endpoint,
    ]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return [
    "",
    "Finishing passes (a shot's `lipsync:` and `upscale:`; see docs/passes.md):",
    ...rows.map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join("  ")
        .trimEnd(),
    ),
  ];
}

export function passDetail(p: PassFacts): string[] {
  return [
    `${p.name}: ${p.title} (${p.kind})`,
    `  endpoint: ${p.endpoint}`,
    `  good for: ${p.good_for}`,
    `  price: ${p.price}${p.price_5s === undefined ? "" : `; a ${COMPARE_SECONDS} s clip: ${dollars(p.price_5s)}`}`,
    ...(p.heights ? [`  heights: ${p.heights.join(", ")}`] : []),
    ...(p.sync_modes ? [`  sync modes: ${p.sync_modes.join(", ")}`] : []),
    `  limits: ${JSON.stringify(p.limits, (k, v) => (k === "$comment" ? undefined : v))}`,
    "  sources:",
    ...p.sources.map((s) => `    ${s.url} (read ${s.read}): ${s.what}`),
  ];
}
