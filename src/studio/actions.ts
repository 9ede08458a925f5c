// What the page may ask for: render, stop, pick, retake, edit. Each calls the pipeline as the commands do; an
// answer is a status and a JSON body. Nothing that costs money starts without the page's confirmation.
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic } from "../cache/atomic.js";
import { cachePaths } from "../cache/layout.js";
import { StoryboardError, StoryreelError, UsageError } from "../errors.js";
import { addTakes, findStep, pickTake, type Planned, retakeTurn } from "../pipeline/index.js";
import { lockPath } from "../project/lockfile.js";
import { parseStoryboard } from "../storyboard/load.js";
import { validateStoryboard } from "../storyboard/validate.js";
import { sha256 } from "../util/hash.js";
import { dollars } from "../util/money.js";
import { applyEdits, type Edit } from "./edit.js";
import { type RenderRun, type RunDeps, spendingText, startRender } from "./render-run.js";
import type { StudioSession } from "./session.js";

export interface Answer {
  status: number;
  body: unknown;
}

const FIELDS = new Set(["prompt", "duration", "transition"]);
const BUSY: Answer = { status: 409, body: { error: "a render is running" } };

export class StudioActions {
  private running: RenderRun | undefined;
  // Taken synchronously by the first request, so two renders asked for at once cannot both start.
  private busy = false;

  private edits: Promise<void> = Promise.resolve();

  constructor(
    private readonly session: StudioSession,
    private readonly deps: RunDeps,
  ) {}

  async render(body: Record<string, unknown>): Promise<Answer> {
    return this.exclusive(async () => {
      const planned = await this.session.plan();
      const cost = planned.films[0]!.plan.cost.new;
      if (this.paying(planned, cost) && !confirmed(body, cost))
        return confirmAnswer(cost, `This render would spend ${dollars(cost)} on ${spendingText(planned)}`);
      this.launch(planned);
      return { status: 202, body: { started: true } };
    });
  }

  stop(): Answer {
    if (!this.running) return { status: 409, body: { error: "no render is running" } };
    this.running.stop();
    return { status: 202, body: { stopping: true } };
  }

  async pick(body: Record<string, unknown>): Promise<Answer> {
    const { id, take } = body;
    if (typeof id !== "string" || !Number.isInteger(take) || (take as number) < 1)
      return bad("pick needs an id (a shot, still or pass) and a take, a whole number from 1");
    // Not while a render runs: its end writes the lock too.
    return this.exclusive(async () => {
      const planned = await this.session.plan();
      await pickTake(planned.films[0]!, id, take as number, cachePaths(planned.request.cacheDir));
      return { status: 200, body: { view: await this.session.refresh() } };
    });
  }

  async retake(body: Record<string, unknown>): Promise<Answer> {
    const { id } = body;
    if (typeof id !== "string") return bad("retake needs an id (a shot, still or pass)");
    return this.exclusive(async () => {
      const planned = await this.session.plan();
      const film = planned.films[0]!;
      const step = findStep(film, id);
      // As `storyreel retake`: a retake spends only on its new take, so what is pending is rendered first.
      const pending = film.plan;
      if (
        pending.cost.new > 0 ||
        pending.shots.some((s) => s.status === "generate" || s.status === "looking up")
      )
        return bad(
          `${film.board.file} has steps that are not made yet (${dollars(pending.cost.new)}); render it first`,
        );
      if (this.paying(planned, step.cost) && !confirmed(body, step.cost))
        return confirmAnswer(
          step.cost,
          `This retake would spend ${dollars(step.cost)} on one more take of ${step.name}`,
        );
      const provider = this.deps.provider();
      const turn = await retakeTurn(this.session.file, cachePaths(planned.request.cacheDir), {
        signal: this.deps.signal,
        onWait: () => undefined,
      });
      // A retake refused before any submit (over budget or --max-cost) leaves the lock as it was.
      const lockFile = lockPath(this.session.file);
      const previous = await readFile(lockFile, "utf8").catch(() => undefined);
      try {
        await addTakes(film, [id]);
        const again = await this.session.plan();
        this.launch(again, provider, {
          refused: () =>
            previous === undefined ? rm(lockFile, { force: true }) : writeFile(lockFile, previous),
          ended: () => turn.release(),
        });
      } catch (err) {
        await turn.release();
        throw err;
      }
      return { status: 202, body: { started: true } };
    });
  }

  // Edits take turns: each checks the file's hash and writes within its turn, so two at once never both pass
  // the check and the later write lose the earlier one.
  edit(body: Record<string, unknown>): Promise<Answer> {
    const turn = this.edits.then(() => this.editNow(body));
    this.edits = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  private async editNow(body: Record<string, unknown>): Promise<Answer> {
    const { base, edits } = body;
    if (typeof base !== "string" || !Array.isArray(edits) || !edits.every(isEdit))
      return bad('edit needs a base hash and a list of edits ({ "shot" | "still", "field", "value" })');
    const stale = {
      status: 409,
      body: { stale: true, error: `${this.session.view.storyboard} changed on disk since the page read it` },
    };
    const { text, hash } = await this.session.text();
    if (hash !== base) return stale;
    const name = path.basename(this.session.file);
    let next: string;
    try {
      next = applyEdits(text, edits);
      const options = {
        ...(this.session.request.allowOutsideImages && { allowOutsideImages: true }),
        ...(this.session.request.modelsDir && {
          modelsDir: path.resolve(this.session.request.cwd, this.session.request.modelsDir),
        }),
      };
      await validateStoryboard(parseStoryboard(next, name, this.session.file), options);
    } catch (err) {
      if (!(err instanceof StoryboardError)) throw err;
      return { status: 400, body: { errors: err.problems.map((p) => ({ ...p, file: p.file || name })) } };
    }
    // Read again just before the write: a save from outside in the meantime wins, and the page reloads.
    if ((await this.session.text()).hash !== base) return stale;
    await writeFileAtomic(this.session.file, next);
    return { status: 200, body: { hash: sha256(next), view: await this.session.refresh() } };
  }

  // Stops a running render (as the first Ctrl-C) and waits until it has ended.
  async close(): Promise<void> {
    this.running?.stop();
    await this.running?.done;
  }

  // One of render, retake and pick at a time; only a render that started (202) keeps it until the render ends.
  private async exclusive(start: () => Promise<Answer>): Promise<Answer> {
    if (this.busy) return BUSY;
    this.busy = true;
    try {
      const answer = await start();
      if (answer.status !== 202) this.busy = false;
      return answer;
    } catch (err) {
      this.busy = false;
      throw err;
    }
  }

  private paying(planned: Planned, cost: number): boolean {
    return planned.request.provider === "fal" && !this.deps.options.offline && cost > 0;
  }

  private launch(
    planned: Planned,
    provider = this.deps.provider(),
    hooks: { refused?: () => Promise<unknown>; ended?: () => Promise<unknown> } = {},
  ): void {
    this.running = startRender(planned, provider, this.deps, this.session, {
      ...hooks,
      ended: async () => {
        await hooks.ended?.();
        this.running = undefined;
        this.busy = false;
      },
    });
  }
}

// An error a user can act on becomes a 400 with its text; anything else is a bug for the server to answer 500.
export function answerError(err: unknown): Answer | undefined {
  if (err instanceof StoryboardError) return { status: 400, body: { errors: err.problems } };
  if (err instanceof UsageError || err instanceof StoryreelError) return bad(err.message);
  return undefined;
}

function bad(error: string): Answer {
  return { status: 400, body: { error } };
}

// Agreed to, at this price: the page sends back the cost it showed, so a storyboard that changed meanwhile (a save,
// a checkout) is asked about again instead of paid at a price nobody saw.
function confirmed(body: Record<string, unknown>, cost: number): boolean {
  return body.confirm === true && typeof body.cost === "number" && Math.abs(body.cost - cost) < 0.005;
}

function confirmAnswer(cost: number, text: string): Answer {
  return { status: 409, body: { confirm: { cost, text: `${text}: render?` } } };
}

function isEdit(e: unknown): e is Edit {
  if (typeof e !== "object" || e === null) return false;
  const { shot, still, field } = e as Record<string, unknown>;
  const named = (typeof shot === "string") !== (typeof still === "string");
  return (
    named && typeof field === "string" && FIELDS.has(field) && (still === undefined || field === "prompt")
  );
}
