// The few facts storyreel checks about a clip or a film, wherever they were read from.
export interface MediaInfo {
  duration: number;
  video?: { codec: string; width: number; height: number; fps: number; pixFmt: string; sar: string };
  audio?: { codec: string; sampleRate: number; channels: number };
}
