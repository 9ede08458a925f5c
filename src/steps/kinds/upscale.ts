// An upscale pass: a clip in, the same clip at the asked height out ("warning@1080p": to 1080p).
import { passKind } from "./pass.js";

export const upscale = passKind("upscale", (name) => `upscale ${name.replace("@", " to ")}`);
