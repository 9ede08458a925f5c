#!/usr/bin/env node
// The remote-warm anchor: download objects with the AWS SDK alone (same client settings and concurrency as
// storyreel), to files. Usage: node bench/sdk-download.mjs <endpoint> <bucket> <dir> <key...>
import { createWriteStream } from "node:fs";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import pLimit from "p-limit";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
const [endpoint, bucket, dir, ...keys] = process.argv.slice(2);
const client = new S3Client({
  region: "us-east-1",
  endpoint,
  forcePathStyle: true,
  requestChecksumCalculation: "WHEN_REQUIRED",
  responseChecksumValidation: "WHEN_REQUIRED",
});
const limit = pLimit(8);
await Promise.all(
  keys.map((key, i) =>
    limit(async () => {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      await pipeline(out.Body, createWriteStream(path.join(dir, `${i}.bin`)));
    }),
  ),
);
