// The storyboard `storyreel init` writes: every field present or shown, each with a comment on what it does.

export function storyboardTemplate(schemaPath: string, name: string): string {
  return `# yaml-language-server: $schema=${schemaPath}
# A storyreel storyboard. Check it:  npx storyreel validate ${name}/storyboard.yaml
# See what it would cost on fal:     npx storyreel plan ${name}/storyboard.yaml
# Render a free offline preview:     npx storyreel render ${name}/storyboard.yaml --provider preview

version: 1                      # storyboard format version (required)
title: My First Film            # shown on the contact sheet
output: out/${name}.mp4         # the film, relative to where you run storyreel
# model: fal-ai/kling-video/v2.6/pro/image-to-video   # the default model

defaults:                       # every shot inherits these unless it sets its own
  duration: 5                   # seconds; Kling v2.6 Pro makes 5 or 10
  audio: true                   # native audio; $0.14/s with audio, $0.07/s without
  # negative_prompt: blur, distort, and low quality

render:
  concurrency: 2                # clips generated at once (new fal accounts run 2; more just queue at fal)
  # resolution: 1920x1080       # film size; default: the first clip's
  # fps: 24                     # film frame rate; default: the first clip's
  # loudness: -16               # normalise the film's audio to this LUFS (two-pass EBU R128)
  # timeout_minutes: 30         # give up on (and cancel) a clip that takes longer

shots:                          # in film order
  - id: opening                 # unique: lower-case letters, digits, - and _
    image: images/opening.png   # start frame, relative to this file (PNG, JPEG or WebP, >= 300 px a side)
    prompt: the camera drifts slowly across a warm sunrise sky, soft clouds passing
    # end_image: images/closing.png   # optional end frame

  - id: closing
    image: images/closing.png
    prompt: cool evening light fades over a calm sea as the camera pulls back
    audio: false                # this shot is silent (and cheaper)
    transition: { type: crossfade, duration: 0.5 }   # into this shot: cut (default), crossfade or fade
    # trim: { start: 0.5, end: 4.5 }                 # keep only these seconds of the clip
`;
}
