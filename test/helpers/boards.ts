// Storyboards that more than one test file renders: the graph's chain of stills, edits and a continued shot, and
// two silent shots over one image (for takes and picks).

// Three stills (a generated keeper, an edit of it, an edit of that), four shots, one continuing another.
export function graphBoard(tag: string, over: { lampEdit?: string; close?: string } = {}) {
  return {
    version: 1,
    stills: {
      keeper: { prompt: `${tag} keeper portrait, yellow coat`, size: "1280x720" },
      "keeper-lamp": {
        edit: ["keeper", "images/a.png"],
        prompt: over.lampEdit ?? `${tag} keeper in the lamp room`,
      },
      close: { edit: ["keeper-lamp"], prompt: over.close ?? `${tag} close on his hands`, size: "1280x720" },
    },
    shots: [
      { id: "arrival", image: { still: "keeper" }, prompt: `${tag} he climbs the stairs`, audio: false },
      {
        id: "lamp",
        image: { still: "keeper-lamp" },
        end_image: { still: "close" },
        prompt: `${tag} he lights the lamp`,
        audio: false,
      },
      { id: "glow", image: { still: "close" }, prompt: `${tag} the flame steadies`, audio: false },
      {
        id: "beam",
        image: { from: "lamp", frame: "last" },
        prompt: `${tag} the beam sweeps the sea`,
        audio: false,
      },
    ],
  };
}

// Shots "one" and "two" over images/a.png, silent; `one` adds to shot one, `extra` to the storyboard.
export function twoShots(
  tag: string,
  one: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
) {
  return {
    version: 1,
    defaults: { audio: false },
    ...extra,
    shots: [
      { id: "one", image: "images/a.png", prompt: `${tag} one`, ...one },
      { id: "two", image: "images/a.png", prompt: `${tag} two` },
    ],
  };
}
