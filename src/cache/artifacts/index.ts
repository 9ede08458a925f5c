// The one artifact store: clips, stills, frames and sounds by (kind, key) in <cache>/<kind>s/, as the remote
// cache keeps them in v1/<kind>s/ (sidecars.ts: the records; kinds.ts: each kind's files; store.ts: in and out;
// repair.ts: put right for free).
export * from "./kinds.js";
export * from "./sidecars.js";
export * from "./store.js";
export * from "./repair.js";
