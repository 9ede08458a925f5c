// s3rver 3.7 (CommonJS, no types) in process on 127.0.0.1 with a throwaway directory and a `storyreel` bucket:
// a second, independent S3 implementation to check what the fake S3 claims (it ignores conditional writes).
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";

interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverInstance;

export interface S3rverHandle {
  url: string;
  bucket: string;
  close(): Promise<void>;
}

export async function startS3rver(): Promise<S3rverHandle> {
  const S3rver = createRequire(import.meta.url)("s3rver") as S3rverClass;
  const directory = await mkdtemp(path.join(tmpdir(), "storyreel-s3rver-"));
  const bucket = "storyreel";
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  try {
    const { port } = await server.run();
    return {
      url: `http://127.0.0.1:${port}`,
      bucket,
      async close() {
        await server.close();
        await rm(directory, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
}
