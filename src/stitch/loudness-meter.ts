// PURE: EBU R128 (ITU-R BS.1770-4) from the soundtrack's chunks, so the film's gain comes without mixing the
// whole film again. A chunk keeps, for each 100 ms quarter of the film's 400 ms gating blocks, the energy of
// its own K-weighted samples in it (a quarter across a chunk boundary is the sum of two chunks' parts), and
// its true peak. The film's integrated loudness gates the blocks those quarters make (-70 LUFS absolute,
// -10 LU relative), as ffmpeg's ebur128 does.
import { SAMPLE_RATE } from "./graph.js";

export const QUARTER = SAMPLE_RATE / 10;

export interface ChunkLoudness {
  // The film's quarter of energies[0].
  first: number;
  energies: number[];
  // Linear true peak (4x oversampled), both channels.
  peak: number;
}

// The K-weighting at 48 kHz (BS.1770-4 table 1 and 2): a high shelf, then a high pass. Its state carries from
// one span to the next, per channel.
const SHELF = {
  b: [1.53512485958697, -2.69169618940638, 1.19839281085285],
  a: [-1.69065929318241, 0.73248077421585],
};
const HIGH_PASS = { b: [1, -2, 1], a: [-1.99004745483398, 0.99007225036621] };

// Per channel: the shelf's last two inputs and outputs (the high pass's inputs), the high pass's last two outputs.
export type KState = Float64Array;
export const kState = (): KState => new Float64Array(12);

// Samples [from, to) of `pcm` (interleaved stereo f32 starting at film sample `pcmFrom`) through the
// K-weighting, continuing `state`; the state must have seen the samples before `from` (a pre-roll).
export function measureSpan(
  pcm: Float32Array,
  pcmFrom: number,
  from: number,
  to: number,
  state: KState,
  // A pre-roll only settles the filters: its peak is not wanted.
  peak = true,
): ChunkLoudness {
  const first = Math.floor(from / QUARTER);
  // A typed array and plain locals: the loop runs over every sample of an edit's window (about 8 s).
  const energies = new Float64Array(Math.max(0, Math.floor((to - 1) / QUARTER) - first + 1));
  const [b0, b1, b2] = SHELF.b as [number, number, number];
  const [a1, a2] = SHELF.a as [number, number];
  const [c1, c2] = HIGH_PASS.a as [number, number];
  const end = (to - pcmFrom) * 2;
  for (let ch = 0; ch < 2; ch++) {
    const s = ch * 6;
    let x1 = state[s]!;
    let x2 = state[s + 1]!;
    let y1 = state[s + 2]!;
    let y2 = state[s + 3]!;
    let z1 = state[s + 4]!;
    let z2 = state[s + 5]!;
    let quarter = 0;
    let left = (first + 1) * QUARTER - from;
    let energy = 0;
    for (let i = (from - pcmFrom) * 2 + ch; i < end; i += 2) {
      const x = pcm[i]!;
      const y = b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
      const k = y - 2 * y1 + y2 - c1 * z1 - c2 * z2;
      x2 = x1;
      x1 = x;
      y2 = y1;
      y1 = y;
      z2 = z1;
      z1 = k;
      energy += k * k;
      if (--left === 0) {
        energies[quarter++]! += energy;
        energy = 0;
        left = QUARTER;
      }
    }
    if (quarter < energies.length) energies[quarter]! += energy;
    state.set([x1, x2, y1, y2, z1, z2], s);
  }
  return { first, energies: Array.from(energies), peak: peak ? truePeak(pcm, pcmFrom, from, to) : 0 };
}

// 4x oversampling by a Hann-windowed sinc of 16 taps, at the three points between each sample and the next.
const TAPS = 8;
const PHASES = [0.25, 0.5, 0.75].map((p) =>
  Float64Array.from({ length: 2 * TAPS }, (_, i) => {
    const t = p - (i - TAPS + 1);
    const sinc = t === 0 ? 1 : Math.sin(Math.PI * t) / (Math.PI * t);
    return sinc * (0.5 + 0.5 * Math.cos((Math.PI * t) / (TAPS + 0.5)));
  }),
);

// The true peak of samples [from, to): the sample peak, and between samples only beside a local maximum of a
// channel at least half the sample peak (where an inter-sample peak can pass it), which keeps it cheap.
function truePeak(pcm: Float32Array, pcmFrom: number, from: number, to: number): number {
  const frames = pcm.length / 2;
  const at = (i: number, ch: number) => (i >= 0 && i < frames ? pcm[2 * i + ch]! : 0);
  let peak = 0;
  for (let i = (from - pcmFrom) * 2, end = (to - pcmFrom) * 2; i < end; i++) {
    const v = Math.abs(pcm[i]!);
    if (v > peak) peak = v;
  }
  const floor = peak / 2;
  for (let ch = 0; ch < 2; ch++)
    for (let i = from - pcmFrom; i < to - pcmFrom; i++) {
      // Most samples are not a local maximum above the floor: three reads, no call.
      const v = Math.abs(pcm[2 * i + ch]!);
      if (v < floor) continue;
      if (v < Math.abs(at(i - 1, ch)) || v < Math.abs(at(i + 1, ch))) continue;
      for (let n = i - 1; n <= i; n++) {
        const base = n - TAPS + 1;
        const inside = base >= 0 && base + 2 * TAPS <= frames;
        for (const h of PHASES) {
          let y = 0;
          if (inside) for (let m = 0; m < 2 * TAPS; m++) y += h[m]! * pcm[2 * (base + m) + ch]!;
          else for (let m = 0; m < 2 * TAPS; m++) y += h[m]! * at(base + m, ch);
          peak = Math.max(peak, Math.abs(y));
        }
      }
    }
  return peak;
}

// Integrated loudness (LUFS) of a soundtrack of `total` samples from its chunks' quarters; -Infinity when no
// block passes the absolute gate.
export function integratedLoudness(chunks: ChunkLoudness[], total: number): number {
  const quarters = new Float64Array(Math.floor(total / QUARTER));
  for (const c of chunks)
    c.energies.forEach((e, i) => {
      if (c.first + i < quarters.length) quarters[c.first + i]! += e;
    });
  const powers: number[] = [];
  for (let j = 0; j + 4 <= quarters.length; j++)
    powers.push((quarters[j]! + quarters[j + 1]! + quarters[j + 2]! + quarters[j + 3]!) / (4 * QUARTER));
  const lufs = (p: number) => -0.691 + 10 * Math.log10(p);
  const mean = (ps: number[]) => ps.reduce((a, b) => a + b, 0) / ps.length;
  const loud = powers.filter((p) => lufs(p) > -70);
  if (loud.length === 0) return -Infinity;
  const relative = lufs(mean(loud)) - 10;
  const gated = loud.filter((p) => lufs(p) > relative);
  return lufs(mean(gated));
}
