// Upload each local image (and a pass's clip or voice-over) to fal storage once per content hash; reuse the URL
// within a run and across runs while fresh.
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { FalClient } from "@fal-ai/client";
import { readJson } from "../../cache/atomic.js";
import { updateJson } from "../../cache/shared-json.js";
import type { ImageRef } from "../../storyboard/types.js";
import type { Clock } from "../../util/clock.js";
import { sha256 } from "../../util/hash.js";

interface UploadRecord {
  url: string;
  uploaded_at: string;
}

// fal does not document how long storage URLs live; a day is well inside any retention we have seen.
export const UPLOAD_FRESH_MS = 24 * 60 * 60 * 1000;

export class ImageUploads {
  private inflight = new Map<string, Promise<string>>();
  // Records still being written: a shot submits while its image's record is written, and waits for it after.
  private writing = new Set<Promise<void>>();
  constructor(
    private readonly fal: FalClient,
    private readonly file: string,
    private readonly clock: Clock,
  ) {}

  async urlFor(image: ImageRef): Promise<string> {
    if (image.kind === "url") return image.url;
    // The graph's stills and frames reach a provider as files (see steps/kinds/); never as steps.
    if (image.kind !== "file")
      throw new Error(`bug: ${image.source} reached the uploader before it was made`);
    const name = `${image.sha256.slice(0, 16)}.${image.format === "jpeg" ? "jpg" : image.format}`;
    return this.once(
      image.sha256,
      async () => new File([await readFile(image.path)], name, { type: `image/${image.format}` }),
    );
  }

  // Any local file (a pass's clip or voice-over), by the sha256 of its bytes: a retried submit uploads nothing.
  async urlForFile(file: string, type: string): Promise<string> {
    const bytes = await readFile(file);
    const hash = sha256(bytes);
    const name = `${hash.slice(0, 16)}${path.extname(file)}`;
    return this.once(hash, async () => new File([bytes], name, { type }));
  }

  private once(hash: string, file: () => Promise<File>): Promise<string> {
    let pending = this.inflight.get(hash);
    if (!pending) {
      pending = this.fetchOrUpload(hash, file);
      this.inflight.set(hash, pending);
      // A failed upload is forgotten so the next shot tries again; its error still reaches every awaiter.
      pending.catch(() => this.inflight.delete(hash));
    }
    return pending;
  }

  private async fetchOrUpload(hash: string, file: () => Promise<File>): Promise<string> {
    const known = (await readJson<Record<string, UploadRecord>>(this.file)) ?? {};
    const record = known[hash];
    if (record && this.clock.now() - Date.parse(record.uploaded_at) < UPLOAD_FRESH_MS) {
      return record.url;
    }
    const url = await this.fal.storage.upload(await file());
    // Under the file's lock, so parallel uploads and other renders keep each other's records.
    const fresh: UploadRecord = { url, uploaded_at: new Date(this.clock.now()).toISOString() };
    const write = updateJson<Record<string, UploadRecord>>(this.file, (known) => ({
      ...known,
      [hash]: fresh,
    })).then(
      () => undefined,
      // The record only saves a later upload (which is free): a failed write must not fail a paid shot.
      () => undefined,
    );
    this.writing.add(write);
    void write.then(() => this.writing.delete(write));
    return url;
  }

  // Resolves once every record started so far is written (or failed: see above).
  async recorded(): Promise<void> {
    await Promise.all([...this.writing]);
  }
}
