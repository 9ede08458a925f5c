// Everything a render tells the person watching it, as one union: the TTY display, the plain lines and
// the NDJSON output all consume these events and nothing else.
import type { ShotEvent } from "../steps/executor.js";
import type { ProviderId } from "../plan/key.js";
import type { SummaryCounts } from "../report/summary.js";
import type { StitchResult } from "../stitch/stitch.js";

export type PipelineEvent =
  // Generation begins: what will be generated and what it is estimated to cost.
  | {
      type: "start";
      storyboards: string[];
      provider: ProviderId;
      // Clips, stills, sounds and passes to make (stills, sounds and passes are also counted in `clips`, as
      // steps that go to the provider).
      clips: number;
      stills?: number;
      sounds?: number;
      passes?: number;
      cost: number;
      cache: string;
    }
  | ({ type: "shot" } & ShotEvent)
  // A sentence for the person at the terminal (a repaired clip, a Ctrl-C being honoured).
  | { type: "notice"; text: string }
  | ({ type: "summary" } & SummaryCounts)
  | { type: "stitch"; film: string; percent: number }
  // `output` is the film's path as shown to the user (relative to the working folder when inside it).
  | { type: "film"; film: StitchResult; output: string }
  | { type: "report"; json: string; html: string };

export type EventSink = (event: PipelineEvent) => void;
