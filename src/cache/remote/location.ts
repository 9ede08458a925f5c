// Where the remote cache is: `s3://BUCKET/PREFIX` from --remote-cache or STORYREEL_REMOTE_CACHE, the
// endpoint from the standard AWS variables, credentials only from the standard AWS chain.
import { UsageError } from "../../errors.js";

export const REMOTE_ENV = "STORYREEL_REMOTE_CACHE";

export interface RemoteLocation {
  url: string;
  bucket: string;
  // "" or ending in "/".
  prefix: string;
  region: string;
  // A custom endpoint (R2, MinIO, GCS): addressed path-style.
  endpoint?: string;
  // Only when the environment given to the command names them; otherwise the SDK's default chain finds them.
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

// Bucket names as S3-compatible servers allow them (GCS also takes underscores, older S3 buckets capitals);
// a name the server does not have is refused by the server, before anything is spent.
const BUCKET = /^[A-Za-z0-9][A-Za-z0-9._-]{1,220}[A-Za-z0-9]$/;

export function remoteLocation(
  option: string | undefined,
  env: NodeJS.ProcessEnv,
): RemoteLocation | undefined {
  const given = option ?? (env[REMOTE_ENV] || undefined);
  if (given === undefined) return undefined;
  const source = option !== undefined ? "--remote-cache" : REMOTE_ENV;
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(given.trim());
  if (!match || !BUCKET.test(match[1]!))
    throw new UsageError(
      `${source} must look like s3://BUCKET/PREFIX (a bucket name of letters, digits, dots, hyphens or underscores), got "${given}"`,
    );
  const bucket = match[1]!;
  const rest = (match[2] ?? "").replace(/^\/+|\/+$/g, "");
  if (rest.split("/").some((part) => part === "." || part === ".."))
    throw new UsageError(`${source}: the prefix may not contain "." or ".." parts, got "${given}"`);
  const prefix = rest ? `${rest}/` : "";
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^/]+/.test(endpoint))
    throw new UsageError(
      `${env.AWS_ENDPOINT_URL_S3 ? "AWS_ENDPOINT_URL_S3" : "AWS_ENDPOINT_URL"} must be an http(s) URL, got "${endpoint}"`,
    );
  const id = env.AWS_ACCESS_KEY_ID;
  const secret = env.AWS_SECRET_ACCESS_KEY;
  return {
    url: `s3://${bucket}/${prefix}`,
    bucket,
    prefix,
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || "us-east-1",
    ...(endpoint && { endpoint }),
    ...(id &&
      secret && {
        credentials: {
          accessKeyId: id,
          secretAccessKey: secret,
          ...(env.AWS_SESSION_TOKEN && { sessionToken: env.AWS_SESSION_TOKEN }),
        },
      }),
  };
}

// The place as one string: the endpoint matters (the same bucket name on two servers is two caches).
export function locationId(where: RemoteLocation): string {
  return `${where.endpoint ?? "aws"} ${where.url}`;
}
