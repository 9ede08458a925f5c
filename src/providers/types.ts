// What a clip provider is given and what it reports while it works.
import type { JournalEntry } from "../cache/journal.js";
import type { CachePaths } from "../cache/layout.js";
import type { ClipSidecar, SoundSidecar, StillSidecar } from "../cache/artifacts/index.js";
import type { AudioModelSpec } from "../models/audio-types.js";
import type { MediaTools } from "../media/binaries.js";
import type { Clock } from "../util/clock.js";
import type { ModelSpec } from "../models/types.js";
import type { PassModel } from "../models/pass-types.js";
import type { ProviderId } from "../plan/key.js";
import type { ImageRef, Shot, Still } from "../storyboard/types.js";

export interface ClipJob {
  key: string;
  shot: Shot;
  model: ModelSpec;
  cost: number;
  // Whether the plan priced this shot's first submit (false for a journaled request being collected).
  priced: boolean;
}

// A still to make: its references already made, as files (stills the graph made carry their identity).
export interface StillJob {
  key: string;
  still: Still;
  references: ImageRef[];
  cost: number;
  priced: boolean;
  keyMaterial: Record<string, unknown>;
  // The video model the still will feed: a still it cannot take (too small, too narrow) fails here.
  videoModel: ModelSpec;
}

// A voice-over or a music bed to make: the model's input as the plan keyed it.
export interface SoundJob {
  key: string;
  kind: "voice" | "music";
  // "voice-over arrival", "music bed".
  label: string;
  model: AudioModelSpec;
  input: Record<string, unknown>;
  // How a preview stands in for it (spoken text, or a chord bed).
  standIn: "speech" | "bed";
  // What to say or play, for stand-ins: the voice-over's text or the bed's prompt, and the seconds wanted.
  text: string;
  seconds?: number;
  cost: number;
  priced: boolean;
  keyMaterial: Record<string, unknown>;
}

// A finishing pass over a made clip: lip-sync a voice-over onto it, or upscale it. Its inputs are files in the
// cache; the provider fits them to the pass model's limits (pass-inputs.ts) before anything is sent.
export interface PassJob {
  key: string;
  kind: "lipsync" | "upscale";
  // "lip-sync warning", "upscale warning to 4k": how messages name it.
  label: string;
  // The shot it finishes, as the journal and the spend ledger name it.
  shot: string;
  pass: PassModel;
  // The clip it takes (a clip, or an earlier pass's output) and its measured length.
  video: { key: string; file: string; seconds: number };
  // The clip's length the plan priced the pass at: fal bills the clip it is sent, so no more is sent.
  pricedSeconds: number;
  // Lip-sync: the voice-over, and the seconds of silence before it (its offset into the clip).
  audio?: { key: string; file: string; lead: number };
  // Upscale: the target ("1080p") and its pixels on the short side.
  height?: { name: string; pixels: number };
  syncMode?: string;
  cost: number;
  priced: boolean;
  keyMaterial: Record<string, unknown>;
}

export type StepState =
  | "queued"
  | "waiting"
  | "uploading"
  | "submitting"
  | "reattaching"
  | "looking_up"
  | "in_queue"
  | "in_progress"
  | "downloading"
  | "retrying"
  | "done"
  | "cached"
  | "failed"
  | "skipped";

export interface StepUpdate {
  state: StepState;
  detail?: string;
  log?: string;
  request_id?: string;
  // A submit that got no answer, found in fal's request listing (named again at the end of the run).
  found_by_listing?: boolean;
  // With "done": what the step cost; with "failed": why.
  cost?: number;
  error?: string;
}

// A place among the `concurrency` jobs allowed to work at the provider at once; release it when fal is done.
export interface Slots {
  // A higher priority is seated first (the longest chain of work behind it); ties go first come, first served.
  acquire(priority?: number): Promise<() => void>;
}

export interface ProviderContext {
  paths: CachePaths;
  // The storyboard as the spend ledger names it: its path, and its repository's identity.
  storyboard?: string;
  repo?: string;
  // With a remote cache: counts a submit in the bucket's spend ledger before it is sent (refused, with a
  // ProviderError, past the storyboard's render.budget), and voids it when fal refused the submit.
  reserveSpend?(job: {
    step: string;
    key: string;
    model: string;
    cost: number;
  }): Promise<{ bucket: string; ref: string } | undefined>;
  voidSpend?(ref: string): Promise<void>;
  // The bucket learns the request id fal gave a counted submit; and which ids other machines' submits got.
  noteRequest?(ref: string, requestId: string): Promise<void>;
  paidElsewhere?(key: string): Promise<string[]>;
  // Whether a counted submit was voided: proof that it was never sent, or that fal never had it.
  wasVoided?(ref: string): Promise<boolean>;
  // The render, as the spend ledger names it.
  run?: string;
  tools: MediaTools;
  clock: Clock;
  // Aborted on the first Ctrl-C: no new submissions, but paid work in flight is collected.
  stopSubmitting: AbortSignal;
  timeoutMs: number;
  slots: Slots;
  update(update: StepUpdate): void;
  // Asked before any submit the plan did not price (fal lost a request; a collected one must be submitted
  // anew). False when it would take the run over --max-cost: then the shot fails and nothing is spent.
  mayPayAgain?(cost: number): boolean;
  // An allowance mayPayAgain gave is returned: nothing was sent after all.
  notPaid?(cost: number): void;
  // --resubmit-unconfirmed: the plan priced a submit of each step it is looking up (see plan paysFor).
  resubmitUnconfirmed?: boolean;
  // With a remote cache's claim: told of each submit before it is sent and of its request id once fal has it.
  onJournal?(entry: JournalEntry, claimOnly?: boolean): Promise<void>;
}

export interface StepProvider {
  id: ProviderId;
  generate(job: ClipJob, ctx: ProviderContext): Promise<ClipSidecar>;
  // Stills: generated from a prompt, or edited from references.
  still(job: StillJob, ctx: ProviderContext): Promise<StillSidecar>;
  // Voice-overs (text-to-speech) and music beds.
  sound(job: SoundJob, ctx: ProviderContext): Promise<SoundSidecar>;
  // Lip-sync and upscale passes: a clip in, a clip out (stored as a clip under the pass's key).
  pass(job: PassJob, ctx: ProviderContext): Promise<ClipSidecar>;
  // How the run's requests were seen to finish: fal's status stream, or polling (fal only).
  waits?(): { stream: number; polling: number } | undefined;
  // Starts sending these images where the requests will read them (fal's storage), while the render's checks
  // run; a failure is left for the step that needs the image to meet again.
  prefetch?(images: ImageRef[]): void;
}
