// The fake S3 server lives in testkit/ (the benches use it too); tests may import it from here.
export * from "../../testkit/fake-s3.js";
export { startS3rver } from "../../testkit/s3rver.js";
