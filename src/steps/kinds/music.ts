// A music bed made from a prompt, as long as the film (in 30-second steps), looped, faded and ducked under voices.
import type { StepKind } from "../kind.js";
import { cachedSoundInput, runSound } from "./sound.js";

export const music: StepKind = {
  name: "music",
  artifact: "sound",
  prefix: "music",
  paid: true,
  label: () => "music bed",
  noun: "sound",
  run: (step, _inputs, run) => runSound(step, run, "bed"),
  lock: {
    order: 2,
    model: (_step, board) => (board.music?.source.kind === "prompt" ? board.music.source.model.endpoint : ""),
    fact: "duration",
  },
  cachedInput: cachedSoundInput,
};
