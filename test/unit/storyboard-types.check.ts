// The storyboard's TypeScript types (src/storyboard/types.ts) and its JSON schema agree, checked by tsc rather than
// at run time: `npm run typecheck` (in `npm run check` and `npm test`) fails when they differ. The schema's side is
// the type `npm run schema` generates from it (src/storyboard/storyboard-doc.generated.ts; test/integration/
// storyboard.test.ts fails when that file is stale). They agree when they have the same keys at every depth and
// the same required keys, every document the types describe is one the schema accepts, and the enums are equal.
// The types may be narrower at a leaf: an image's `frame` is "first", "last" or a number, where the schema says
// a string or a number (the semantic checks name the strings).
import type { StoryboardSchemaDoc } from "../../src/storyboard/storyboard-doc.generated.js";
import type { CaptionMode, ShotDoc, StoryboardDoc, TransitionType } from "../../src/storyboard/types.js";

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
// A type error that names what it got: the paths one side has and the other lacks.
type None<T extends never> = T;

// The keys of an object type that may be left out.
type OptionalKeys<T> = { [K in keyof T]-?: Record<never, never> extends Pick<T, K> ? K : never }[keyof T];
// A key's name in a path; "*" for any key of a map such as `stills`.
type Name<K extends string> = string extends K ? "*" : K;
// Every key at every depth as a path, "?" marking one that may be left out: ".shots[].trim?",
// ".shots[].trim.start?", ".stills.*.prompt". A union such as "a string, or an object with these keys" gives its
// object's paths. (Paths are compared as strings: tsc compares deeply nested object types only so far, then
// assumes they match.)
type Paths<T, At extends string = ""> = T extends readonly (infer E)[]
  ? Paths<E, `${At}[]`>
  : T extends object
    ? {
        [K in Extract<keyof T, string>]-?:
          | `${At}.${Name<K>}${K extends OptionalKeys<T> ? "?" : ""}`
          | Paths<Exclude<T[K], undefined>, `${At}.${Name<K>}`>;
      }[Extract<keyof T, string>]
    : never;

type Schema = StoryboardSchemaDoc;
type SchemaShot = Schema["shots"][number];

export type TypesMatchSchema = [
  onlyInTypes: None<Exclude<Paths<StoryboardDoc>, Paths<Schema>>>,
  onlyInSchema: None<Exclude<Paths<Schema>, Paths<StoryboardDoc>>>,
  schemaAcceptsTheTypes: Assert<StoryboardDoc extends Schema ? true : false>,
  version: Assert<Same<StoryboardDoc["version"], Schema["version"]>>,
  transitions: Assert<Same<TransitionType, NonNullable<SchemaShot["transition"]>["type"]>>,
  captions: Assert<Same<CaptionMode, NonNullable<NonNullable<Schema["render"]>["captions"]>>>,
];

// The checks can fail: a key the types lack, one they require where the schema does not, either at depth, and
// an enum that differs.
type WithShots<S> = Omit<StoryboardDoc, "shots"> & { shots: S[] };
type WithStills<S> = Omit<StoryboardDoc, "stills"> & { stills?: Record<string, S> };
type Agree<T> = Same<Paths<T>, Paths<Schema>>;
type Transition = { type: TransitionType; ease?: number };
export type TheChecksCanFail = [
  // @ts-expect-error a key missing from the types
  Assert<Agree<Omit<StoryboardDoc, "title">>>,
  // @ts-expect-error a key the types require and the schema does not
  Assert<Agree<StoryboardDoc & { title: string }>>,
  // @ts-expect-error a shot's key missing from the types
  Assert<Agree<WithShots<Omit<ShotDoc, "trim">>>>,
  // @ts-expect-error a key of a shot's transition the schema does not have
  Assert<Agree<WithShots<Omit<ShotDoc, "transition"> & { transition?: Transition }>>>,
  // @ts-expect-error a still's key the schema does not have
  Assert<Agree<WithStills<{ prompt: string; seed?: number }>>>,
  // @ts-expect-error a transition type the schema does not have
  Assert<Same<TransitionType | "wipe", NonNullable<SchemaShot["transition"]>["type"]>>,
];
