// The studio's edits in the storyboard's own text: only the edited value changes, byte for byte; comments, key
// order, quotes, blank lines and flow maps stay; a missing key is added beside its siblings.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parse } from "yaml";
import { applyEdits } from "../../src/studio/edit.js";
import { UsageError } from "../../src/errors.js";

const BOARD = `# The King's Return: a storyboard with comments everywhere
version: 1
title: The King's Return # the title

shots:
  # the first shot
  - id: arrival
    image: images/king.png   # the king
    prompt: A king walks slowly # plain
    duration: 5

  - id: throne
    image: images/throne.png
    prompt: "He sits down, slowly" # double-quoted
    transition: { type: crossfade, duration: 0.5 }
  - { id: hall, image: images/hall.png, prompt: 'the hall' }
  - id: gate
    image: images/gate.png
    prompt: |
      the gate opens
      onto the sea
    transition:
      type: fade # a fade in
      duration: 1
stills:
  keeper:
    prompt: an old keeper # the cast
    size: 1280x720
`;

// Every line but those named is the same.
function changedLines(before: string, after: string): string[] {
  const a = before.split("\n");
  const b = after.split("\n");
  return b.filter((line, i) => line !== a[i]);
}

test("a plain prompt is replaced in place, its comment and every other byte kept", () => {
  const out = applyEdits(BOARD, [{ shot: "arrival", field: "prompt", value: "A king runs" }]);
  assert.equal(out, BOARD.replace("prompt: A king walks slowly # plain", "prompt: A king runs # plain"));
});

test("a prompt that would not read back plain is quoted; a double-quoted one stays double-quoted", () => {
  const colon = applyEdits(BOARD, [{ shot: "arrival", field: "prompt", value: "He says: yes" }]);
  assert.deepEqual(changedLines(BOARD, colon), ['    prompt: "He says: yes" # plain']);
  const quoted = applyEdits(BOARD, [{ shot: "throne", field: "prompt", value: "He stands" }]);
  assert.deepEqual(changedLines(BOARD, quoted), ['    prompt: "He stands" # double-quoted']);
  for (const tricky of ["yes", "1.5", "# not a comment", "- a list?", "[x]", "", " padded ", "it's"])
    assert.equal(
      parse(applyEdits(BOARD, [{ shot: "arrival", field: "prompt", value: tricky }])).shots[0].prompt,
      tricky,
    );
});

test("a block prompt stays a block at its indent; a flow-map shot gets its key inside the braces", () => {
  const block = applyEdits(BOARD, [
    { shot: "gate", field: "prompt", value: "the gate shuts\nagainst the storm\n" },
  ]);
  assert.equal(parse(block).shots[3].prompt, "the gate shuts\nagainst the storm\n");
  assert.deepEqual(changedLines(BOARD, block), ["      the gate shuts", "      against the storm"]);
  const flow = applyEdits(BOARD, [{ shot: "hall", field: "duration", value: 10 }]);
  assert.deepEqual(changedLines(BOARD, flow), [
    "  - { id: hall, image: images/hall.png, prompt: 'the hall', duration: 10 }",
  ]);
  const single = applyEdits(BOARD, [{ shot: "hall", field: "prompt", value: "the king's hall" }]);
  assert.equal(parse(single).shots[2].prompt, "the king's hall");
  assert.match(single, /prompt: 'the king''s hall' \}/);
});

test("a missing key is added after its shot's last key, at its indent, before the blank line", () => {
  const out = applyEdits(BOARD, [
    { shot: "arrival", field: "transition", value: { type: "fade", duration: 1 } },
  ]);
  assert.ok(
    out.includes("    duration: 5\n    transition: { type: fade, duration: 1 }\n\n  - id: throne"),
    out,
  );
  assert.equal(out.length, BOARD.length + "    transition: { type: fade, duration: 1 }\n".length);
});

test("a transition keeps its form: a flow map is rewritten in place, a block map's keys are set, a cut loses its duration", () => {
  const flow = applyEdits(BOARD, [
    { shot: "throne", field: "transition", value: { type: "fade", duration: 2 } },
  ]);
  assert.deepEqual(changedLines(BOARD, flow), ["    transition: { type: fade, duration: 2 }"]);
  const block = applyEdits(BOARD, [
    { shot: "gate", field: "transition", value: { type: "crossfade", duration: 0.5 } },
  ]);
  assert.deepEqual(changedLines(BOARD, block), ["      type: crossfade # a fade in", "      duration: 0.5"]);
  const cut = applyEdits(BOARD, [{ shot: "gate", field: "transition", value: { type: "cut", duration: 1 } }]);
  assert.deepEqual(parse(cut).shots[3].transition, { type: "cut" });
  assert.equal(
    cut,
    BOARD.replace("      type: fade # a fade in\n      duration: 1\n", "      type: cut # a fade in\n"),
  );
});

test("a still's prompt, a duration, several edits at once; an unknown shot or field is refused", () => {
  const out = applyEdits(BOARD, [
    { still: "keeper", field: "prompt", value: "a young keeper" },
    { shot: "arrival", field: "duration", value: 10 },
  ]);
  assert.deepEqual(changedLines(BOARD, out), ["    duration: 10", "    prompt: a young keeper # the cast"]);
  assert.throws(() => applyEdits(BOARD, [{ shot: "nope", field: "prompt", value: "x" }]), UsageError);
  assert.throws(() => applyEdits(BOARD, [{ still: "keeper", field: "duration", value: 5 }]), UsageError);
  assert.throws(() => applyEdits(BOARD, [{ shot: "arrival", field: "duration", value: "5" }]), UsageError);
});

test("a file written with CRLF keeps CRLF on the line an edit adds", () => {
  const crlf = BOARD.replace(/\n/g, "\r\n");
  const out = applyEdits(crlf, [
    { shot: "arrival", field: "transition", value: { type: "fade", duration: 1 } },
  ]);
  assert.ok(
    out.includes("    duration: 5\r\n    transition: { type: fade, duration: 1 }\r\n\r\n"),
    JSON.stringify(out),
  );
  assert.equal(out.replace(/\r\n/g, "").includes("\n"), false);
});

test("text that means something inside braces is quoted there; a block's chomping follows the new text; CRLF blocks stay CRLF", () => {
  const flow = applyEdits(BOARD, [{ shot: "hall", field: "prompt", value: "rain, then sun" }]);
  assert.equal(parse(flow).shots[2].prompt, "rain, then sun");
  for (const tricky of ["a {b", "look [left]", "x: y", "rain, then sun"])
    assert.equal(
      parse(applyEdits(BOARD, [{ shot: "hall", field: "prompt", value: tricky }])).shots[2].prompt,
      tricky,
    );
  const kept = BOARD.replace("prompt: |\n", "prompt: |+\n");
  assert.equal(
    parse(applyEdits(kept, [{ shot: "gate", field: "prompt", value: "new" }])).shots[3].prompt,
    "new",
  );
  const folded = BOARD.replace("prompt: |\n", "prompt: >\n");
  assert.equal(
    parse(applyEdits(folded, [{ shot: "gate", field: "prompt", value: "one\ntwo\n" }])).shots[3].prompt,
    "one\ntwo\n",
  );
  const crlf = BOARD.replace(/\n/g, "\r\n");
  const block = applyEdits(crlf, [{ shot: "gate", field: "prompt", value: "l1\nl2\n" }]);
  assert.equal(block.replace(/\r\n/g, "").includes("\n"), false, "no bare LF");
  assert.equal(parse(block).shots[3].prompt, "l1\nl2\n");
});
