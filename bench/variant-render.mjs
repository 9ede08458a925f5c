// `storyreel render FILE --concurrency N` as the CLI runs it, but with the fal provider built here, so a
// benchmark can take a micro-optimisation out: --ffprobe (downloaded clips checked by ffprobe instead of the
// in-process mp4 reader). Prints nothing; the report's phases_ms says how long the generate phase took.
import { parseArgs } from "node:util";
import { cachePaths, findMediaTools, planStoryboards, renderPlans } from "../dist/index.js";
import { makeFalClient } from "../dist/providers/fal/client.js";
import { falProvider } from "../dist/providers/fal/provider.js";
import { falRequestListing } from "../dist/providers/fal/request-listing.js";
import { falSettings } from "../dist/providers/fal/settings.js";
import { ImageUploads } from "../dist/providers/fal/uploads.js";
import { ffprobeMedia } from "../dist/media/probe.js";
import { systemClock } from "../dist/util/clock.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    concurrency: { type: "string" },
    ffprobe: { type: "boolean", default: false },
  },
});
const env = process.env;
const cacheDir = env.STORYREEL_CACHE_DIR;
const planned = await planStoryboards({ files: positionals, cwd: process.cwd(), provider: "fal", cacheDir });
const provider = async () => {
  const settings = falSettings(env);
  const fal = makeFalClient(settings);
  return falProvider({
    fal,
    uploads: new ImageUploads(fal, cachePaths(cacheDir).uploads, systemClock),
    pollMs: Number(env.STORYREEL_FAL_POLL_MS ?? 1000),
    statusStream: { usable: true },
    resubmitUnconfirmed: false,
    listing: falRequestListing(settings),
    claimed: new Set(),
    ...(values.ffprobe && { probe: ffprobeMedia }),
  });
};
const options = { concurrency: Number(values.concurrency ?? 4) };
await renderPlans(planned, options, { tools: findMediaTools(env), provider });
