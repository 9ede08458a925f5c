// An edit: a still an image-editing model makes from references (other stills, files or URLs) and a prompt.
// It is made, stored and used like a still; only its inputs differ, and those are the plan's edges.
import type { StepKind } from "../kind.js";
import { still } from "./still.js";

export const edit: StepKind = { ...still, name: "edit" };
