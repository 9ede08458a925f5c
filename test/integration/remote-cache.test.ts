// The remote cache: two machines (two working copies, two local caches) sharing one bucket on the fake S3,
// with the real @aws-sdk/client-s3 and the real @fal-ai/client against fakes on 127.0.0.1.
import assert from "node:assert/strict";
import { cp, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, describe, test } from "node:test";
import { stringify } from "yaml";
import { execa } from "execa";
import { listFiles } from "../../testkit/cli.js";
import { shots } from "../helpers/project.js";
import { team as makeTeam } from "../helpers/remote-team.js";

const stops: (() => Promise<unknown>)[] = [];
after(() => Promise.all(stops.map((s) => s())));

const team = (...args: Parameters<typeof makeTeam> extends [unknown, ...infer R] ? R : never) =>
  makeTeam(stops, ...args);

describe("remote cache", { concurrency: 4 }, () => {
  test("a second clone renders the whole film from the bucket with 0 submits, byte-identical", async () => {
    const t = await team(3);
    const a = await t.clone();
    const first = await a.render();
    assert.equal(first.exitCode, 0, first.stderr);
    assert.equal(t.fal.count("submit"), 3);
    assert.equal(t.s3.count("put", "team/v1/clips/"), 6, "three clips and their records uploaded");
    const b = await t.clone();
    const plan = await b.run(["plan", b.file]);
    assert.equal(plan.exitCode, 0, plan.stderr);
    assert.match(plan.stdout, /New spending \$2\.10/i);
    assert.match(
      plan.stdout,
      /3 of the 3 steps to make are there \(s1, s2, s3\); a render fetches them, so its new spending would be \$0\.00/,
    );
    const second = await b.render();
    assert.equal(second.exitCode, 0, second.stderr);
    assert.equal(t.fal.count("submit"), 3, "nothing submitted again");
    assert.match(second.stderr, /fetched 3 of 3 missing steps/);
    const report = JSON.parse(await readFile(path.join(b.dir, "out", "storyboard.report.json"), "utf8"));
    assert.equal(report.remote.location, "s3://storyreel/team/");
    assert.equal(report.remote.claims, true);
    assert.equal(report.remote.fetched.length, 3);
    assert.deepEqual(report.remote.untrusted, []);
    const film = (d: string) => readFile(path.join(d, "out", "storyboard.mp4"));
    assert.deepEqual(await film(b.dir), await film(a.dir));
  });

  test("voice-overs and a generated bed are shared too: a second clone pays for no sound, and has the same bytes", async () => {
    const storyboard = {
      version: 1,
      music: { prompt: "slow piano, hopeful" },
      shots: shots(2).map((s, i) => ({ ...s, audio: false, voiceover: `Line number ${i + 1}.` })),
    };
    const t = await team(0, 200, {}, storyboard);
    const a = await t.clone();
    const first = await a.render();
    assert.equal(first.exitCode, 0, first.stderr);
    assert.equal(t.fal.count("submit"), 5, "two clips, two voice-overs and the bed");
    assert.equal(t.s3.count("put", "team/v1/sounds/"), 6, "three sounds and their records uploaded");
    const b = await t.clone();
    const second = await b.render();
    assert.equal(second.exitCode, 0, second.stderr);
    assert.equal(t.fal.count("submit"), 5, "nothing submitted again");
    assert.match(second.stderr, /fetched 5 of 5 missing steps/);
    // The paid outputs are the same bytes on both machines. (The film itself is encoded on each machine, and
    // x264 under load is not byte-reproducible; its decoded audio, made from these bytes, is.)
    const sounds = async (cache: string) => {
      const names = (await listFiles(path.join(cache, "sounds"))).filter((f) => !f.endsWith(".json")).sort();
      return Promise.all(names.map(async (n) => [n, await readFile(path.join(cache, "sounds", n))]));
    };
    assert.deepEqual(await sounds(b.cache), await sounds(a.cache));
    const audio = async (dir: string) =>
      (
        await execa("ffmpeg", [
          "-v",
          "error",
          "-i",
          path.join(dir, "out", "storyboard.mp4"),
          "-map",
          "0:a",
          "-f",
          "md5",
          "-",
        ])
      ).stdout;
    assert.equal(await audio(b.dir), await audio(a.dir), "the same mix, sample for sample");
  });

  test("a remote object whose bytes do not match its record is never used, and is reported", async () => {
    const t = await team(2);
    const a = await t.clone();
    assert.equal((await a.render()).exitCode, 0);
    const clip = [...t.s3.objects.keys()].find((k) => k.endsWith(".mp4"))!.slice("storyreel/".length);
    const poisoned = Buffer.from(t.s3.get(clip)!.bytes);
    const at = poisoned.length - 100;
    poisoned[at] = poisoned[at]! ^ 0xff;
    t.s3.put(clip, poisoned);
    const b = await t.clone();
    const r = await b.render();
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(
      r.stderr,
      /was NOT used from s3:\/\/storyreel\/team\/: its bytes do not match the sha256 its record gives\. It was made again here and replaced in the bucket/,
    );
    assert.equal(
      t.fal.count("submit"),
      3,
      "the poisoned shot was made again here; the other came from the bucket",
    );
    // The film is made of the new bytes now, and the lock says so (the key is the same, the sha256 is not).
    const lock = (d: string) => readFile(path.join(d, "storyboard.lock.yaml"), "utf8");
    assert.notEqual(await lock(b.dir), await lock(a.dir));
    assert.equal(
      (await b.render(["--frozen"], { FAL_KEY: undefined })).exitCode,
      0,
      "its own lock renders frozen",
    );
    const local = (await listFiles(path.join(b.cache, "clips"))).filter((f) => f.endsWith(".mp4"));
    for (const f of local) assert.notDeepEqual(await readFile(path.join(b.cache, "clips", f)), poisoned);
    // Repaired: the next clone pays nothing. A short object is refused the same way, not fetched forever.
    const c = await t.clone();
    assert.equal((await c.render()).exitCode, 0);
    assert.equal(t.fal.count("submit"), 3);
    t.s3.put(clip, t.s3.get(clip)!.bytes.subarray(0, 1000));
    const d = await t.clone();
    const short = await d.render();
    assert.equal(short.exitCode, 0, short.stderr);
    assert.match(
      short.stderr,
      /has 1000 bytes where its record says \d+\. It was made again here and replaced/,
    );
    assert.equal(t.fal.count("submit"), 4);
  });

  test("--remote-cache-readonly reads through but never claims or uploads", async () => {
    const t = await team(2);
    const a = await t.clone();
    assert.equal((await a.render()).exitCode, 0);
    const b = await t.clone();
    await writeFile(
      b.file,
      stringify({
        version: 1,
        shots: [...shots(2), { id: "new", image: "images/a.png", prompt: "a pull request" }],
      }),
    );
    const writes = () => t.s3.requests.filter((r) => r.method === "PUT" || r.method === "DELETE").length;
    const before = writes();
    const r = await b.render(["--remote-cache-readonly"]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(
      r.stderr,
      /--remote-cache-readonly: this render pays \$0\.70 for steps that it neither claims nor uploads/,
    );
    assert.equal(t.fal.count("submit"), 3, "only the new shot is paid for");
    assert.equal(writes(), before, "nothing written to the bucket");
  });

  test("an upload that fails does not fail the render; the next run, or cache push, uploads it", async () => {
    const t = await team(2);
    const a = await t.clone();
    t.s3.faults.push({
      op: "put",
      times: 1000,
      when: (r) => r.key.includes("/v1/clips/"),
      action: { status: 500 },
    });
    const r = await a.render();
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stderr, /could not upload .*the next run, or `storyreel cache push`, uploads them/s);
    assert.equal((await listFiles(path.join(a.cache, "remote", "pending"))).length, 2);
    t.s3.faults.length = 0;
    const push = await a.run(["cache", "push"]);
    assert.equal(push.exitCode, 0, push.stderr);
    assert.match(push.stdout, /Pushed 2 outputs to s3:\/\/storyreel\/team\//);
    const b = await t.clone();
    assert.equal((await b.render()).exitCode, 0);
    assert.equal(t.fal.count("submit"), 2);
    // An output deleted from the bucket (its record kept) is restored by a push from a machine that has it.
    const gone = [...t.s3.objects.keys()].find((k) => k.endsWith(".mp4"))!.slice("storyreel/".length);
    t.s3.delete(gone);
    const restore = await a.run(["cache", "push"]);
    assert.match(restore.stdout, /restored 1 output it had lost/);
    assert.ok(t.s3.get(gone), "the output is back");
  });

  test("a fresh clone with the lock: cache pull, then render --frozen read-only, with no FAL_KEY and 0 submits", async () => {
    const t = await team(3);
    const a = await t.clone();
    assert.equal((await a.render()).exitCode, 0);
    const b = await t.clone();
    await cp(path.join(a.dir, "storyboard.lock.yaml"), path.join(b.dir, "storyboard.lock.yaml"));
    const pull = await b.run(["cache", "pull", "storyboard.yaml", "--remote-cache-readonly"]);
    assert.equal(pull.exitCode, 0, pull.stderr);
    assert.match(pull.stdout, /Pulled 3 outputs/);
    await rm(b.cache, { recursive: true });
    const frozen = await b.render(["--frozen", "--remote-cache-readonly"], { FAL_KEY: undefined });
    assert.equal(frozen.exitCode, 0, frozen.stderr);
    assert.equal(t.fal.count("submit"), 3);
    assert.deepEqual(
      await readFile(path.join(b.dir, "out", "storyboard.mp4")),
      await readFile(path.join(a.dir, "out", "storyboard.mp4")),
    );
  });

  test("a server that ignores conditional writes: doctor --remote says so, and renders turn claims off loudly", async () => {
    const t = await team(1, 100, { conditional: false });
    const a = await t.clone();
    const doctor = await a.run(["doctor", "--remote"]);
    assert.equal(doctor.exitCode, 1, "a CI gate on doctor fails where machines could pay twice");
    assert.match(doctor.stdout, /conditional writes: NO .*claims are OFF/);
    const r = await a.render();
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stderr, /WARNING: claims are OFF/);
    assert.equal(t.s3.count("put", "team/v1/claims/"), 0, "no claims on a server that cannot honour them");
  });

  test("bad remote settings are refused before anything is written or spent", async () => {
    const t = await team(1);
    const a = await t.clone();
    const bad = await a.render(["--remote-cache", "http://bucket/x"]);
    assert.equal(bad.exitCode, 2);
    assert.match(bad.stderr, /--remote-cache must look like s3:\/\/BUCKET\/PREFIX/);
    const down = await a.render([], { AWS_ENDPOINT_URL_S3: "http://127.0.0.1:9" });
    assert.equal(down.exitCode, 1);
    assert.match(down.stderr, /the remote cache s3:\/\/storyreel\/team\/ did not answer/);
    assert.equal(t.fal.count("submit"), 0);
    assert.ok(!`${down.stderr}${bad.stderr}`.includes("s3cr3t-DO-NOT-LEAK"));
  });

  test("stills and edits come from the bucket too; frames are taken again locally, for free", async () => {
    const t = await team(
      0,
      200,
      {},
      {
        version: 1,
        stills: {
          keeper: { prompt: "remote keeper portrait", size: "1280x720" },
          "keeper-lamp": { edit: ["keeper"], prompt: "remote keeper in the lamp room" },
        },
        shots: [
          { id: "arrival", image: { still: "keeper" }, prompt: "he climbs", audio: false },
          { id: "lamp", image: { still: "keeper-lamp" }, prompt: "he lights it", audio: false },
          { id: "after", image: { from: "lamp" }, prompt: "the light turns", audio: false },
        ],
      },
    );
    const a = await t.clone();
    const first = await a.render();
    assert.equal(first.exitCode, 0, first.stderr);
    const paid = t.fal.count("submit");
    assert.equal(paid, 5, "two stills and three clips");
    assert.equal(t.s3.count("put", "team/v1/stills/"), 4);
    const b = await t.clone();
    const second = await b.render();
    assert.equal(second.exitCode, 0, second.stderr);
    assert.equal(t.fal.count("submit"), paid, "nothing paid for again");
    assert.match(second.stderr, /fetched 5 of 5 missing steps/);
  });
});
