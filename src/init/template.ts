// The storyboard `storyreel init` writes: every field the storyboard takes, set or shown commented out, each
// with a comment on what it does (test/integration/init.test.ts checks every key of the schema appears).

// `dir` is the folder as the user named it (for the commands in the header); `film` names the film's file.
export function storyboardTemplate(schemaPath: string, dir: string, film: string): string {
  const file = dir === "." ? "storyboard.yaml" : `${dir}/storyboard.yaml`;
  return `# yaml-language-server: $schema=${schemaPath}
# A storyreel storyboard. Every field is here: set, or commented out (remove the "# " to use one).
# Check it:                          npx storyreel validate ${file}
# See what it would cost on fal:     npx storyreel plan ${file}
# Render a free offline preview:     npx storyreel render ${file} --provider preview

version: 1                      # storyboard format version (required)
title: My First Film            # shown on the contact sheet
output: out/${film}.mp4         # the film, relative to where you run storyreel (it must stay inside that folder)
# model: kling-2.6-pro          # the same as defaults.model below (its older place)

defaults:                       # every shot inherits these unless it sets its own
  # model: kling-2.6-pro        # the video model (this is the default); \`npx storyreel models\` lists them all
  duration: 5                   # seconds; Kling 2.6 Pro makes 5 or 10
  audio: true                   # native audio; $0.14/s with audio, $0.07/s without
  # negative_prompt: blur, distort, and low quality   # what the model should avoid (this is the default)
  # voice: af_heart             # the voice every voice-over uses unless it names its own

render:                         # how the film is made from the clips
  concurrency: 2                # clips generated at once (new fal accounts run 2; more just queue at fal)
  # resolution: 1920x1080       # film size, even numbers, at most 8192 a side; default: the first clip's
  # fps: 24                     # film frame rate, 1 to 120; default: the first clip's
  # loudness: -16               # normalise the film's audio to this LUFS (EBU R128); default -16 with music or voice-over
  # timeout_minutes: 30         # give up on (and cancel) a clip that takes longer
  # upscale: 1080p              # upscale every shot below this height to it (1080p, 2k or 4k; $0.0072/s to 1080p)
  # captions: file              # file: captions in <film>.srt and .vtt beside the film; burn: also in the picture
  # budget: 20                  # dollars this storyboard may spend on fal across all its runs; a render that
  #                             # would go over is refused before anything is paid (--max-cost caps one run)

# Stills: frames generated from a prompt (or edited from other stills) for shots to start from. A shot uses
# one as  image: { still: keeper }. Each is cached and priced like a clip ($0.02 for 1280x720 on FLUX.1 [dev]).
# stills:
#   keeper:                     # the still's name: lower-case letters, digits, - and _
#     prompt: portrait of a weathered lighthouse keeper, grey beard, yellow oilskin coat, 35mm film still
#     size: 1280x720            # pixels: at least 300 a side and aspect 0.4 to 2.5 for Kling, at most 4096 a side
#     model: fal-ai/flux-1/dev  # the text-to-image model (this is the default)
#     takes: 2                  # make 2 takes; \`storyreel pick ${file} keeper 2\` chooses (default 1)
#   keeper-lamp:
#     edit: [keeper]            # an edit of these references (other stills, or image files): same face, new place
#     prompt: the same keeper, same face and coat, trimming the wick in this lamp room
#     # model: fal-ai/nano-banana-2/edit   # the image-edit model (the default for an edit)

# Music: a bed under the whole film, from an audio file in this folder, or generated from a prompt.
# music:
#   file: music/theme.mp3       # MP3, WAV, FLAC, Ogg or M4A; or instead of file:
#   # prompt: slow piano, hopeful              # made by a fal music model (cached, planned and priced)
#   # model: cassetteai/music-generator        # the music model, with prompt (this is the default)
#   volume_db: -18              # the bed's level under the film, -60 to 0
#   duck: true                  # lowered while a shot's own audio or a voice-over plays
#   fade_in: 1                  # seconds of fade-in at the film's start
#   fade_out: 2                 # seconds of fade-out at the film's end

shots:                          # in film order
  - id: opening                 # unique: lower-case letters, digits, - and _
    # model: veo-3.1            # this shot's own video model (Veo 3.1: dialogue with native sound; 4, 6 or 8 s)
    image: images/opening.png   # start frame, relative to this file (PNG, JPEG or WebP, >= 300 px a side);
    #                           # leave image out for text-to-video
    # references: [keeper, images/boy.png]   # reference-to-video (with model: kling-o3-pro, seedance-2.0 or
    #                           # veo-3.1): the cast stays the same; the prompt names each as @keeper, @boy
    # resolution: 1080p         # only what the shot's model offers (\`npx storyreel models veo-3.1\`)
    # image: { still: keeper }  # or start from a still (see stills above)
    prompt: the camera drifts slowly across a warm sunrise sky, soft clouds passing
    # end_image: images/closing.png   # optional end frame, in any form image takes
    # takes: 2                  # make 2 takes of this clip; \`storyreel pick ${file} opening 2\` chooses
    # voiceover: The sun rose over the bay.    # narration, spoken by a fal text-to-speech model; or in full:
    # voiceover: { text: The sun rose over the bay., voice: af_heart, offset: 0.5, model: fal-ai/kokoro/american-english }
    # caption: The sun rose over the bay.      # shown while the shot plays (<film>.srt, .vtt; burned with captions: burn)
    # lipsync: true             # lay the voice-over onto the mouth (Kling lip-sync: 2-10 s clips, $0.07 per 5 s); or:
    # lipsync: { model: sync-lipsync-2, sync_mode: silence }   # Sync lip-sync 2.0: any length, $3 a minute
    # upscale: 4k               # this shot's own height (1080p, 2k, 4k; false: none), over render.upscale

  - id: closing
    image: images/closing.png
    # image: { from: opening, frame: last }   # or continue where opening ends (frame: first, last or seconds)
    prompt: cool evening light fades over a calm sea as the camera pulls back
    # duration: 10              # this shot's own length, instead of defaults.duration
    audio: false                # this shot is silent (and cheaper)
    # negative_prompt: text, watermark         # this shot's own, instead of defaults.negative_prompt
    transition: { type: crossfade, duration: 0.5 }   # into this shot: cut (default), crossfade or fade (through black)
    # trim: { start: 0.5, end: 4.5 }                 # keep only these seconds of the clip
`;
}

// The film's file name for a storyboard in `dir`: the folder's own name, in characters safe in a file name
// and in YAML ("../films/my-film" gives my-film, never a path that climbs out of out/).
export function filmName(dir: string): string {
  const safe = dir
    .split(/[\\/]/)
    .filter(Boolean)
    .at(-1)
    ?.replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/^[-.]+|[-.]+$/g, "");
  return safe || "film";
}
