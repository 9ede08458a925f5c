// The facts ffprobe reports from an H.264 sequence parameter set: size, pixel format and sample aspect ratio.
import { Bits, unescapeRbsp } from "./mp4-boxes.js";

export interface SpsFacts {
  width: number;
  height: number;
  chromaFormat: number;
  bitDepth: number;
  // undefined when the stream does not say (the container's colr box may).
  fullRange?: boolean;
  sar?: [number, number];
}

// Profiles whose SPS carries chroma format and bit depth (H.264 7.3.2.1.1).
const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

// Table E-1: aspect_ratio_idc 1..16.
const SAR_TABLE: Array<[number, number]> = [
  [1, 1],
  [12, 11],
  [10, 11],
  [16, 11],
  [40, 33],
  [24, 11],
  [20, 11],
  [32, 11],
  [80, 33],
  [18, 11],
  [15, 11],
  [64, 33],
  [160, 99],
  [4, 3],
  [3, 2],
  [2, 1],
];

export function parseSps(nal: Buffer): SpsFacts {
  const r = new Bits(unescapeRbsp(nal.subarray(1)));
  const profile = r.u(8);
  r.u(16); // constraint flags and level
  r.ue(); // seq_parameter_set_id
  let chromaFormat = 1;
  let bitDepth = 8;
  let separatePlanes = 0;
  if (HIGH_PROFILES.has(profile)) {
    chromaFormat = r.ue();
    if (chromaFormat === 3) separatePlanes = r.u(1);
    bitDepth = r.ue() + 8;
    r.ue(); // bit_depth_chroma_minus8
    r.u(1); // qpprime_y_zero_transform_bypass_flag
    if (r.u(1)) skipScalingLists(r, chromaFormat === 3 ? 12 : 8);
  }
  r.ue(); // log2_max_frame_num_minus4
  const pocType = r.ue();
  if (pocType === 0) r.ue();
  else if (pocType === 1) {
    r.u(1);
    r.se();
    r.se();
    const cycle = r.ue();
    for (let i = 0; i < cycle; i++) r.se();
  }
  r.ue(); // max_num_ref_frames
  r.u(1); // gaps_in_frame_num_value_allowed_flag
  const widthMbs = r.ue() + 1;
  const heightUnits = r.ue() + 1;
  const frameMbsOnly = r.u(1);
  if (!frameMbsOnly) r.u(1);
  r.u(1); // direct_8x8_inference_flag
  const crop = r.u(1) ? [r.ue(), r.ue(), r.ue(), r.ue()] : [0, 0, 0, 0];
  // Crop units (H.264 7.4.2.1.1): chroma subsampling decides them, and field coding doubles the vertical one.
  const chroma = separatePlanes ? 0 : chromaFormat;
  const unitX = chroma === 1 || chroma === 2 ? 2 : 1;
  const unitY = (chroma === 1 ? 2 : 1) * (2 - frameMbsOnly);
  const facts: SpsFacts = {
    width: widthMbs * 16 - unitX * (crop[0]! + crop[1]!),
    height: (2 - frameMbsOnly) * heightUnits * 16 - unitY * (crop[2]! + crop[3]!),
    chromaFormat: chroma,
    bitDepth,
  };
  if (r.u(1)) readVui(r, facts);
  return facts;
}

function readVui(r: Bits, facts: SpsFacts): void {
  if (r.u(1)) {
    const idc = r.u(8);
    if (idc === 255) facts.sar = [r.u(16), r.u(16)];
    else if (idc >= 1 && idc <= 16) facts.sar = SAR_TABLE[idc - 1];
  }
  if (r.u(1)) r.u(1); // overscan
  if (r.u(1)) {
    r.u(3); // video_format
    facts.fullRange = r.u(1) === 1;
  }
}

function skipScalingLists(r: Bits, count: number): void {
  for (let i = 0; i < count; i++) {
    if (!r.u(1)) continue;
    const size = i < 6 ? 16 : 64;
    let last = 8;
    let next = 8;
    for (let j = 0; j < size && next !== 0; j++) {
      next = (last + r.se() + 256) % 256;
      if (next !== 0) last = next;
    }
  }
}
