// At a wave's end the finished requests' results and the next steps' submits land on one thread together. The
// submit is what fal's next run waits on; the download of a finished clip is not: so a collect waits (a
// little) while a submit that took a freed slot is still being made and sent.
import type { Clock } from "../../util/clock.js";

// Long enough for a submit to be written and answered nearby, short next to a download from fal.
const MOST_MS = 50;

export class SubmitsFirst {
  private making = 0;
  private waiters: Array<() => void> = [];

  // A submit is being made; the returned function says it was sent (answered or failed).
  begin(): () => void {
    this.making += 1;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.making -= 1;
      if (this.making === 0) for (const wake of this.waiters.splice(0)) wake();
    };
  }

  // Resolves once no submit is being made (or after MOST_MS). One event-loop turn first: a slot given back a
  // moment ago is taken by its next step within that turn.
  async settled(clock: Clock): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    if (this.making === 0) return;
    await Promise.race([new Promise<void>((wake) => this.waiters.push(wake)), clock.sleep(MOST_MS)]);
  }
}
