// A voice-over: a shot's text spoken by a text-to-speech model, placed at its offset in the film's sound.
import type { StepKind } from "../kind.js";
import { cachedSoundInput, runSound } from "./sound.js";

export const voice: StepKind = {
  name: "voice",
  artifact: "sound",
  prefix: "voice",
  paid: true,
  label: (name) => `voice-over ${name}`,
  noun: "sound",
  run: (step, _inputs, run) => runSound(step, run, "speech"),
  lock: {
    order: 2,
    model: (step, board) =>
      board.shots.find((s) => `voice:${s.id}` === step.id)?.voiceover?.model.endpoint ?? "",
    fact: "duration",
  },
  cachedInput: cachedSoundInput,
};
