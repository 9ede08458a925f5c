// The pure timeline builders: trims off the frame grid start where the film's do, overlapping voice-overs get
// tracks of their own, and every OTIO track lasts the film.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { Ajv } from "ajv";
import { toMlt } from "../../src/export/mlt.js";
import { toOtio } from "../../src/export/otio.js";
import { storyreelTimeline, timelineMedia } from "../../src/export/recognise.js";
import { soundLanes, type Timeline, timelineClips } from "../../src/export/timeline.js";
import { REPO } from "../../testkit/cli.js";
import { clip } from "../helpers/unit-fixtures.js";

const profile = { width: 1280, height: 720, fps: 24 };

test("a trim that starts between frames keeps the film's first frame: the next whole one", () => {
  const { clips } = timelineClips([clip(0, { trim: { start: 0.3, end: 4.3 } })], profile, () => ({}));
  assert.equal(clips[0]!.sourceIn, 8, "0.3 s at 24 fps is frame 7.2: the film's trim starts at frame 8");
  assert.equal(clips[0]!.length, 96);
});

test("voice-overs that overlap (one runs past its shot) are laid on tracks of their own, each lasting the film", () => {
  const { clips, totalFrames } = timelineClips([clip(0), clip(1)], profile, () => ({}));
  const voice = (start: number, frames: number, name: string) => ({
    file: `/v/${name}.wav`,
    start,
    frames,
    name,
    metadata: {},
  });
  const voices = [voice(12, 144, "long"), voice(120, 48, "next")];
  assert.deepEqual(
    soundLanes(voices).map((lane) => lane.map((v) => v.name)),
    [["long"], ["next"]],
  );
  const t: Timeline = { name: "t", ...profile, totalFrames, clips, voices };
  const otio = toOtio(t, (f) => `file://${f}`) as {
    tracks: {
      children: Array<{
        name: string;
        children: Array<{
          OTIO_SCHEMA: string;
          source_range: { start_time: { value: number }; duration: { value: number } };
        }>;
      }>;
    };
  };
  const tracks = otio.tracks.children;
  assert.deepEqual(
    tracks.map((tr) => tr.name),
    ["Video", "Audio", "Voice-over", "Voice-over 2"],
  );
  for (const tr of tracks)
    assert.equal(
      tr.children
        .filter((c) => c.OTIO_SCHEMA !== "Transition.1")
        .reduce((n, c) => n + c.source_range.duration.value, 0),
      totalFrames,
      tr.name,
    );
  const schema = JSON.parse(readFileSync(path.join(REPO, "schemas", "otio.schema.json"), "utf8"));
  const validate = new Ajv({ strict: false }).compile(schema);
  assert.ok(validate(otio), JSON.stringify(validate.errors?.slice(0, 2)));
  // MLT: the same two lanes, the bed-less project's entries add up to the film.
  const mlt = toMlt(t, (f) => f);
  assert.equal((mlt.match(/<playlist id="voice/g) ?? []).length, 2);
  const video = mlt.slice(mlt.indexOf('<playlist id="video">'));
  const entries = [
    ...video
      .slice(0, video.indexOf("</playlist>"))
      .matchAll(/<entry producer="[^"]+" in="(\d+)" out="(\d+)"/g),
  ];
  assert.equal(
    entries.reduce((n, m) => n + Number(m[2]) - Number(m[1]) + 1, 0),
    totalFrames,
  );
});

test("export knows its own timelines by their opening lines, and the media they name, whatever the film's title", () => {
  const { clips, totalFrames } = timelineClips([clip(0), clip(1)], profile, () => ({}));
  for (const name of ['a "quoted" <title> & more', "two\nlines", "x".repeat(300)]) {
    const t: Timeline = { name, ...profile, totalFrames, clips, voices: [] };
    const otio = `${JSON.stringify(
      toOtio(t, (f) => encodeURIComponent(path.basename(f))),
      null,
      2,
    )}\n`;
    const mlt = toMlt(t, (f) => `dir & "x"/${path.basename(f)}`);
    assert.equal(storyreelTimeline(otio), "otio", name);
    assert.equal(storyreelTimeline(mlt), "mlt", name);
    // Each clip is on the video track and on the audio track that mirrors it.
    assert.deepEqual(new Set(timelineMedia(otio, "otio")), new Set(clips.map((c) => path.basename(c.file))));
    assert.deepEqual(
      timelineMedia(mlt, "mlt"),
      clips.map((c) => `dir & "x"/${path.basename(c.file)}`),
    );
  }
  for (const other of ["", "<mlt>their project</mlt>", '{"OTIO_SCHEMA": "Timeline.1"}', "\x89PNG\r\n"])
    assert.equal(storyreelTimeline(other), undefined, JSON.stringify(other));
});
