// A 16-bit PCM WAV file in memory: the test tones (a stand-in voice-over, a music bed, fal's fake audio).
export function pcmWav(o: {
  rate: number;
  channels: number;
  frames: number;
  // Frame i's sample, already in 16-bit range; every channel of a frame gets the same one.
  sample: (i: number) => number;
}): Buffer {
  const frameBytes = 2 * o.channels;
  const wav = Buffer.alloc(44 + o.frames * frameBytes);
  wav.write("RIFF", 0, "ascii");
  wav.writeUInt32LE(36 + o.frames * frameBytes, 4);
  wav.write("WAVEfmt ", 8, "ascii");
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(o.channels, 22);
  wav.writeUInt32LE(o.rate, 24);
  wav.writeUInt32LE(o.rate * frameBytes, 28);
  wav.writeUInt16LE(frameBytes, 32);
  wav.writeUInt16LE(16, 34);
  wav.write("data", 36, "ascii");
  wav.writeUInt32LE(o.frames * frameBytes, 40);
  for (let i = 0; i < o.frames; i++) {
    const sample = o.sample(i);
    for (let c = 0; c < o.channels; c++) wav.writeInt16LE(sample, 44 + i * frameBytes + c * 2);
  }
  return wav;
}
