// --remote-cache s3://BUCKET/PREFIX (or STORYREEL_REMOTE_CACHE), --remote-cache-readonly and --claim-lease,
// shared by the commands that render or move cache entries.
import { locationId, remoteLocation } from "../cache/remote/location.js";
import { UsageError } from "../errors.js";
import type { RemoteChoice } from "../pipeline/remote.js";
import { numberOption } from "./args.js";

export const REMOTE_OPTIONS = {
  "remote-cache": { type: "string" },
  "remote-cache-readonly": { type: "boolean" },
  "claim-lease": { type: "string" },
} as const;

export const REMOTE_USAGE = `  --remote-cache s3://BUCKET/PREFIX
                           share the cache through an S3-compatible bucket (or $STORYREEL_REMOTE_CACHE;
                           endpoint from $AWS_ENDPOINT_URL_S3 / $AWS_ENDPOINT_URL, credentials from the AWS chain)
  --remote-cache-readonly  only read from it: no claims, no uploads (for untrusted runs such as pull requests)
  --claim-lease SECONDS    how long a silent machine's claim on a step lasts before another takes it over
                           (default 60, or $STORYREEL_CLAIM_LEASE)`;

export function remoteChoice(
  values: Record<string, string | boolean | undefined>,
  env: NodeJS.ProcessEnv,
): RemoteChoice | undefined {
  const option = typeof values["remote-cache"] === "string" ? values["remote-cache"] : undefined;
  const where = remoteLocation(option, env);
  const readonly =
    values["remote-cache-readonly"] === true ||
    /^(1|true|yes)$/i.test(env.STORYREEL_REMOTE_CACHE_READONLY ?? "");
  const leaseText =
    typeof values["claim-lease"] === "string"
      ? values["claim-lease"]
      : env.STORYREEL_CLAIM_LEASE || undefined;
  const lease = numberOption(
    "claim-lease",
    leaseText,
    (n) => n >= 1 && n <= 3600,
    "a number of seconds from 1 to 3600",
  );
  if (!where) {
    if (values["remote-cache-readonly"] === true || values["claim-lease"] !== undefined)
      throw new UsageError(
        "--remote-cache-readonly and --claim-lease need a remote cache: add --remote-cache s3://BUCKET/PREFIX or set STORYREEL_REMOTE_CACHE",
      );
    return undefined;
  }
  return {
    open: async () => (await import("../cache/remote/s3-store.js")).s3Store(where),
    id: locationId(where),
    readonly,
    ...(lease !== undefined && { leaseMs: lease * 1000 }),
  };
}

// For commands that only make sense with a remote cache (cache push/pull, doctor --remote).
export function requireRemote(
  values: Record<string, string | boolean | undefined>,
  env: NodeJS.ProcessEnv,
  command: string,
): RemoteChoice {
  const choice = remoteChoice(values, env);
  if (!choice)
    throw new UsageError(
      `${command} needs a remote cache: --remote-cache s3://BUCKET/PREFIX or STORYREEL_REMOTE_CACHE`,
    );
  return choice;
}
