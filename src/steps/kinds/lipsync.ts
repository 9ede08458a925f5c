// A lip-sync pass: the shot's clip and its voice-over in, a clip whose mouth follows the words out.
import { passKind } from "./pass.js";

export const lipsync = passKind("lipsync", (name) => `lip-sync ${name}`);
