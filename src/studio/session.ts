// One storyboard's state in the studio: its plan as a View, re-planned when the storyboard or its lock changes
// on disk (an editor's save, a git checkout), and the last good view kept while the file does not validate.
import { existsSync, type FSWatcher, watch } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { StoryboardError, StoryreelError } from "../errors.js";
import { type Planned, type PlanRequest, planStoryboards } from "../pipeline/index.js";
import { lockPath } from "../project/lockfile.js";
import { sha256 } from "../util/hash.js";
import { buildView, emptyView, type FileRoots, invalidView, type View } from "./view.js";

// Saves come as several events (a temp file, a rename): one re-plan once they settle.
const DEBOUNCE_MS = 100;

export interface SessionOptions {
  // The plan request for this one storyboard (files: [it]); its provider is the studio's.
  request: PlanRequest;
  // The storyboard's absolute path; its folder is the project the studio serves.
  file: string;
  // Where views go (the SSE clients), each time the view changes.
  publish: (view: View) => void;
}

export class StudioSession {
  readonly file: string;
  readonly project: string;
  readonly request: PlanRequest;
  private current: View;
  private lastGood: View | undefined;
  private sent = "";
  private isRendering = false;
  private queue: Promise<unknown> = Promise.resolve();
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: SessionOptions) {
    this.file = options.file;
    this.project = path.dirname(options.file);
    this.request = options.request;
    this.current = emptyView(this.shownName(), this.request.provider, false);
  }

  get view(): View {
    return this.current;
  }

  get roots(): FileRoots {
    return {
      project: this.project,
      cache: path.resolve(this.request.cwd, this.request.cacheDir),
      exists: existsSync,
    };
  }

  // Whether a render runs: the next view says so.
  set rendering(on: boolean) {
    this.isRendering = on;
  }

  get rendering(): boolean {
    return this.isRendering;
  }

  // The storyboard's text as on disk now and its hash (the base an edit must name).
  async text(): Promise<{ text: string; hash: string }> {
    const text = await readFile(this.file, "utf8");
    return { text, hash: sha256(text) };
  }

  // A fresh plan of the storyboard as it is on disk now (a StoryboardError when it does not validate).
  plan(): Promise<Planned> {
    return planStoryboards(this.request);
  }

  // Re-plan and publish the view if it changed; one at a time, in order.
  refresh(): Promise<View> {
    const next = this.queue.then(() => this.replan());
    this.queue = next.catch(() => undefined);
    return next;
  }

  // Follow the folder, not the file: editors save by writing a temp file and renaming it over the old one.
  watch(): void {
    const names = new Set([path.basename(this.file), path.basename(lockPath(this.file))]);
    this.watcher = watch(this.project, (_event, name) => {
      if (name !== null && !names.has(name.toString())) return;
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.refresh().catch(() => undefined), DEBOUNCE_MS);
    });
    this.watcher.on("error", () => undefined);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.watcher?.close();
  }

  private async replan(): Promise<View> {
    let hash = "";
    try {
      hash = (await this.text()).hash;
      const planned = await this.plan();
      const film = planned.films[0]!;
      const input = {
        board: film.board,
        plan: film.plan,
        storyboard: this.shownName(),
        hash,
        provider: this.request.provider,
        rendering: this.isRendering,
        output: film.output,
      };
      this.lastGood = buildView(input, this.roots);
      this.current = this.lastGood;
    } catch (err) {
      if (!(err instanceof StoryreelError) && (err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      const problems =
        err instanceof StoryboardError
          ? err.problems
          : [{ file: this.shownName(), path: "", message: (err as Error).message }];
      const last = this.lastGood ?? emptyView(this.shownName(), this.request.provider, this.isRendering);
      this.current = invalidView({ ...last, rendering: this.isRendering }, problems, hash);
    }
    const text = JSON.stringify(this.current);
    if (text !== this.sent) {
      this.sent = text;
      this.options.publish(this.current);
    }
    return this.current;
  }

  // The storyboard as given, relative to the project.
  private shownName(): string {
    return path.basename(this.file);
  }
}
