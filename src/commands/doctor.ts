// `storyreel doctor`: which ffmpeg/ffprobe are used and what they can do, whether FAL_KEY is set, and the cache.
import { lastWaitsText } from "../pipeline/fal-waits.js";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { parseCommand } from "./args.js";
import type { CliContext } from "./context.js";
import { type CachePaths, cachePaths, resolveCacheDir } from "../cache/layout.js";
import { conditionalWrites } from "../cache/remote/conditional-check.js";
import { RunError } from "../errors.js";
import { connectRemote, remoteProblem } from "../pipeline/remote.js";
import { REMOTE_OPTIONS, requireRemote } from "./remote-options.js";
import { canWrite } from "../cache/writable.js";
import { findMediaTools } from "../media/binaries.js";
import { detectCapabilities } from "../media/capabilities.js";
import { runTool } from "../media/run.js";
import { ifMissing, listIfExists, statIfExists } from "../util/fs.js";
import { count } from "../util/words.js";

export const DOCTOR_USAGE = `Usage: storyreel doctor [--cache-dir DIR] [--remote [--remote-cache s3://BUCKET/PREFIX]]

Prints the ffmpeg and ffprobe in use (and where they came from), their versions and capabilities,
whether FAL_KEY is set (never its value), and the cache folder with its size.

--remote also checks the remote cache ($STORYREEL_REMOTE_CACHE unless --remote-cache is given): that it
answers, and that it refuses a second conditional create. Where it does not, claims are turned off (and
renders say so), since two machines could then pay for the same step; the answer is remembered per location.`;

export async function doctorCommand(argv: string[], ctx: CliContext): Promise<void> {
  const { values } = parseCommand(
    "doctor",
    argv,
    { "cache-dir": { type: "string" }, remote: { type: "boolean" }, ...REMOTE_OPTIONS },
    DOCTOR_USAGE,
  );
  if (values.help) return ctx.stdout(DOCTOR_USAGE);
  const tools = findMediaTools(ctx.env);
  const caps = await detectCapabilities(tools.ffmpeg);
  // The bundled ffmpeg beside a system one makes the film's sound, so the ducking is its to do.
  const quick = tools.quickFfmpeg
    ? await detectCapabilities(tools.quickFfmpeg).catch(() => undefined)
    : undefined;
  const probeVersion =
    /ffprobe version (\S+)/.exec(await runTool(tools.ffprobe, ["-hide_banner", "-version"]))?.[1] ??
    "unknown";
  const cacheDir = resolveCacheDir(values["cache-dir"] as string | undefined, ctx.env, ctx.cwd);
  const cache = await folderSize(cacheDir);
  const clips = (await listIfExists(path.join(cacheDir, "clips"))).filter((f) => f.endsWith(".mp4")).length;
  const fal = ctx.env.FAL_KEY?.trim()
    ? "set"
    : "not set (needed for --provider fal; --provider preview works without it)";
  ctx.stdout(
    [
      `node      ${process.version}`,
      `ffmpeg    ${tools.ffmpeg} (${tools.source.ffmpeg}), version ${caps.version}`,
      `ffprobe   ${tools.ffprobe} (${tools.source.ffprobe}), version ${probeVersion}`,
      ...(tools.quickFfmpeg
        ? [
            `quick     ${tools.quickFfmpeg} (bundled, version ${quick?.version ?? "unknown"}, statically linked: it starts in about 1 ms): frames and the film's sound`,
          ]
        : []),
      `filters   xfade: ${caps.xfade ? "yes" : "no (crossfades use blend instead)"}, subtitles: ${caps.subtitles ? "yes" : "no (render.captions: burn unavailable; install an ffmpeg with libass)"}, flite: ${caps.flite ? "yes" : "no (preview voice-overs are tones unless espeak-ng is installed)"}, sidechaincompress: ${(quick ?? caps).sidechaincompress ? "yes" : "no (music cannot duck)"}`,
      `FAL_KEY   ${fal}`,
      `fal proxy ${ctx.env.FAL_PROXY_URL || "none"}`,
      `fal wait  ${(await lastWaitsText(cacheDir)) ?? "no fal render recorded in this cache yet"}`,
      `cache     ${cacheDir}: ${count(clips, "clip")}, ${(cache / 1e6).toFixed(1)} MB, ${await canWrite(cacheDir)}`,
      `output    ${path.resolve(ctx.cwd, "out")}: ${await canWrite(path.resolve(ctx.cwd, "out"))}`,
    ].join("\n"),
  );
  if (values.remote) await doctorRemote(values, cachePaths(cacheDir), ctx);
}

// The remote cache: reachable, and whether claims can be trusted on it (checked afresh, then remembered).
async function doctorRemote(
  values: Record<string, string | boolean | undefined>,
  paths: CachePaths,
  ctx: CliContext,
): Promise<void> {
  const choice = requireRemote(values, ctx.env, "doctor --remote");
  const endpoint = ctx.env.AWS_ENDPOINT_URL_S3 || ctx.env.AWS_ENDPOINT_URL;
  ctx.stdout(`remote    ${choice.id.split(" ")[1]} (${endpoint ? `${endpoint}, path-style` : "AWS S3"})`);
  const store = await connectRemote(choice);
  ctx.stdout("          reachable: the bucket answers a listing with these credentials");
  if (choice.readonly) {
    ctx.stdout(
      "          read-only (--remote-cache-readonly): no claims, no uploads; conditional writes not checked",
    );
    return;
  }
  let check: Awaited<ReturnType<typeof conditionalWrites>>;
  try {
    check = await conditionalWrites(store, paths, choice.id, Date.now(), true);
  } catch (err) {
    throw remoteProblem(store.location, err, false);
  }
  ctx.stdout(
    check.conditional
      ? "          conditional writes: yes; claims are ON (a second machine waits for a step instead of paying for it again)"
      : `          conditional writes: NO (${check.why}); claims are OFF for this location: two machines rendering the same new step at once may both pay for it`,
  );
  // A CI gate on doctor must fail where machines could pay twice.
  if (!check.conditional)
    throw new RunError(`${store.location} does not honour conditional writes, so claims are off there`);
}

async function folderSize(dir: string): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(ifMissing([]));
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    // A file removed while we count (a render finishing) simply no longer counts.
    const info = await statIfExists(
      // Node before 20.12 names the folder `path`.
      path.join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name),
    );
    total += info?.size ?? 0;
  }
  return total;
}
