// The import's work, run by the queue consumer (glance/async_/flows/api_image_import.py as
// straight-line code). Every step goes through the image's coordinator, which keeps what is done,
// so a redelivered message resumes where the last delivery stopped and never writes a location
// twice; each store is copied by one delivery at a time (store-claim.ts). Unexpected errors (D1
// or RPC trouble) propagate: the message is retried; if it never succeeds, the lock's expiry
// undoes the import.
import { QuotaExceeded } from "../errors";
import type { Image } from "../images/image";
import { DiskFormatInspector } from "../images/formats/inspector";
import { judgeDiskFormat } from "../images/formats/match";
import { imagePayload, notify, notifyImage } from "../notifications";
import type { WrittenData } from "../ports";
import { assertCountUploading, assertImageSizeTotal, assertStageTotal, toMiB } from "../quotas";
import type { Services } from "../services";
import { beginTask, failTask, recordTaskProgress } from "../tasks/lifecycle";
import { type Task, isTaskFinished, taskTime } from "../tasks/task";
import type { ImportJob, ImportOutcome, ImportState, ImportStep } from "./ports";
import { IMPORT_FAILED, IMPORTING_TO, storeList } from "./properties";
import { injectImageMetadata } from "./plugins";
import { methodRequest, pluggedSource } from "./run-source";
import { SourceError } from "./sources";
import { claimStore } from "./store-claim";

const RENEW_EVERY_MS = 20_000;
const PROGRESS_EVERY_MS = 5_000;
const MiB = 1 << 20;

/** The import cannot go on and has no say in the outcome: the lock is gone or the image deleted. */
class Stop extends Error {}

/** Another delivery of the same message is doing this import: leave it to that one. */
class Superseded extends Error {}

const failure = (message: string, failedStores: string[] = []): ImportOutcome => ({ success: false, message, failedStores });

/** Runs (or resumes) one queued import. */
export async function runImport(services: Services, job: ImportJob): Promise<void> {
  const { taskId, imageId } = job;
  const task = await services.tasks.get(taskId, taskTime(services.now()));
  if (!task || isTaskFinished(task)) return;
  const started = await services.imports.start(imageId, taskId);
  if (!started.ok) {
    if (started.reason === "conflict") await services.imports.finish(imageId, taskId, failure(started.message));
    else await failTask(services, taskId, started.message);
    return;
  }
  if (started.fresh) notifyImage(services, "image.update", started.image);
  if (started.state.outcome) return services.imports.finish(imageId, taskId, started.state.outcome);
  const begun = await beginTask(services, taskId);
  if (!begun || begun.task.status !== "processing") return;

  let outcome: ImportOutcome;
  try {
    // This delivery's token: the store claims it takes (src/domain/imports/store-claim.ts).
    const delivery = services.newId();
    outcome = await new ImportRun(services, job, task, started.image, started.state, delivery).execute(started.fresh);
  } catch (e) {
    if (e instanceof Superseded) return;
    if (!(e instanceof Stop)) throw e;
    outcome = failure(e.message);
  }
  await services.imports.finish(imageId, taskId, outcome);
}

class ImportRun {
  private readonly done: Record<string, string>;
  private readonly pending = new Set<Promise<unknown>>();
  /** glance-download: what the remote image says the data is. */
  private expected: { size: number; sha512: string | null } | null = null;

  constructor(
    private readonly services: Services,
    private readonly job: ImportJob,
    private readonly task: Task,
    private image: Image,
    private readonly state: ImportState,
    private readonly delivery: string,
  ) {
    this.done = { ...state.done };
  }

  async execute(fresh: boolean): Promise<ImportOutcome> {
    const { method, stores, allStoresMustSucceed } = this.state;
    if (fresh) {
      try {
        await this.assertQuotas();
      } catch (e) {
        if (e instanceof QuotaExceeded) return failure(e.message);
        throw e;
      }
    }
    if (allStoresMustSucceed && this.state.failed.length > 0) return failure(`Importing to store(s) ${this.state.failed.join(", ")} failed.`);
    try {
      if (method === "glance-download") await this.remoteMetadata();
      if (method !== "copy-image" && method !== "location-import" && this.services.settings.importPlugins.includes("inject_image_metadata")) {
        this.image = (await injectImageMetadata(this.services, this.image.id, this.job.roles)) ?? this.image;
      }
      for (const [i, store] of stores.entries()) {
        if (this.done[store] || this.state.failed.includes(store)) continue;
        const ids = { imageId: this.image.id, taskId: this.state.taskId, delivery: this.delivery };
        const claim = this.check(await claimStore(this.services.imports, ids, store));
        if (claim.done) {
          this.done[store] = claim.key;
          continue;
        }
        const activate = method !== "copy-image" && (!allStoresMustSucceed || i === stores.length - 1);
        // Data unreadable once another store has it fails this store alone unless all must succeed.
        const problem = await this.importToStore(store, claim.key, activate).catch((e: unknown) => {
          if (e instanceof SourceError && !allStoresMustSucceed && Object.keys(this.done).length > 0) return e.message;
          throw e;
        });
        if (problem === null) continue;
        notify(this.services, "image.upload", problem, "ERROR");
        this.image = this.check(await this.services.imports.storeFailed(this.image.id, this.state.taskId, store, claim.key)).image;
        if (allStoresMustSucceed) return failure(problem);
      }
    } catch (e) {
      // Unreadable data (glance base_download.revert): every store not filled is listed as failed.
      if (e instanceof SourceError) return failure(e.message, stores.filter((s) => !this.done[s]));
      throw e;
    } finally {
      await Promise.allSettled(this.pending);
    }
    const image = await this.services.images.get(this.image.id);
    if (!image) throw new Stop(`Image ${this.image.id} has been deleted, aborting import.`);
    if (method !== "copy-image" && image.status !== "active") return failure("None of the uploads finished!");
    return { success: true };
  }

  /** glance assert_quota in get_flow: the owner's limits, this image counted (413 → task failure). */
  private async assertQuotas(): Promise<void> {
    const owner = this.task.owner;
    const sizeMiB = toMiB(this.image.size ?? 0);
    if (this.state.method === "glance-direct") {
      await assertImageSizeTotal(this.services, owner, sizeMiB);
    } else {
      await assertStageTotal(this.services, owner, sizeMiB);
      await assertCountUploading(this.services, owner);
    }
  }

  /** glance _ImportMetadata: the remote image must be active; its formats and some properties are copied. */
  private async remoteMetadata(): Promise<void> {
    const { settings } = this.services;
    const request = methodRequest(this.task);
    const region = String(request.glance_region);
    const endpoint = settings.glanceDownloadEndpoints[region];
    if (!endpoint) throw new SourceError(`No Glance endpoint is configured for region '${region}'.`);
    const remote = await this.services.sources.remoteImage(endpoint, String(request.glance_image_id), this.job.authToken);
    if (remote.status !== "active") throw new SourceError(`Source image status should be active instead of ${remote.status}`);
    if (remote.size === null) throw new SourceError(`Size attribute of remote image ${String(request.glance_image_id)} could not be determined.`);
    this.expected = { size: remote.size, sha512: remote.osHashAlgo === "sha512" ? remote.osHashValue : null };
    if (this.state.metadataApplied) return;
    const properties: Record<string, string> = {};
    for (const [k, v] of Object.entries(remote.raw)) {
      if (k.startsWith("os_glance") || !settings.glanceDownloadProperties.some((p) => k.startsWith(p))) continue;
      properties[k] = typeof v === "string" ? v : JSON.stringify(v);
    }
    const r = await this.services.imports.applyMetadata(this.image.id, this.state.taskId, {
      diskFormat: remote.diskFormat,
      containerFormat: remote.containerFormat,
      properties,
    });
    this.image = this.check(r).image;
  }

  /** Writes the data to one store under `key` (this delivery's claim): null when done, the reason when this store failed. */
  private async importToStore(store: string, key: string, activate: boolean): Promise<string | null> {
    const { services, state } = this;
    const id = this.image.id;
    const target = services.stores.get(store);
    if (!target) return `Store ${store} is not available.`;
    notify(services, "image.prepare", { ...imagePayload(this.image), backend: store, ...importProperties(this.image) });
    const source = await pluggedSource({ services, job: this.job, task: this.task, state, image: this.image, done: this.done }, store);
    const cap = services.settings.imageSizeCap;
    if (source.length !== null && source.length > cap) {
      await source.body.cancel().catch(() => {});
      throw new SourceError(`The image data (${source.length} bytes) is larger than image_size_cap (${cap} bytes).`);
    }
    const stop = new AbortController();
    let lastReport = Date.now();
    const meter = services.sources.meter(source.body, (bytes) => {
      if (Date.now() - lastReport < PROGRESS_EVERY_MS) return;
      lastReport = Date.now();
      this.track(recordTaskProgress(services, state.taskId, { message: `Copied ${Math.floor(bytes / MiB)} MiB` }));
    });
    const heartbeat = setInterval(() => {
      this.track(
        services.imports.renew(id, state.taskId, this.delivery).then((r) => {
          if (r !== "ok") stop.abort(new Stop(r === "gone" ? `Image ${id} has been deleted, aborting import.` : `Import task ${state.taskId} lost its lock.`));
        }),
      );
    }, RENEW_EVERY_MS);
    const inspector = new DiskFormatInspector();
    let written: WrittenData;
    try {
      written = await target.write(key, meter.stream, {
        size: source.length,
        maxBytes: cap,
        tooLarge: () => new QuotaExceeded(`The image data is larger than image_size_cap (${cap} bytes).`, cap),
        signal: stop.signal,
        inspect: inspector,
      });
    } catch (e) {
      if (stop.signal.aborted && e === stop.signal.reason) throw e;
      const broken = meter.failure();
      if (broken) throw broken;
      return `Failed to upload image data for image ${id} to store ${store}: ${(e as Error).message}`;
    } finally {
      clearInterval(heartbeat);
      await meter.stream.cancel().catch(() => {});
    }
    if (this.expected) {
      // glance-download: the data must be what the remote image says (size; SHA-512 when it has one).
      if (written.size !== this.expected.size) {
        throw new SourceError(`Downloaded data size ${written.size} is different from expected ${this.expected.size}`);
      }
      if (this.expected.sha512 && written.sha512 !== this.expected.sha512) throw new SourceError("Downloaded data does not match the remote image's os_hash_value");
    }
    // As for PUT /file (glance set_data): the content must be what disk_format says, and safe. A
    // copy is the image's own data, already judged when it was imported or uploaded.
    let virtualSize: number | null = null;
    if (state.method !== "copy-image") {
      const verdict = judgeDiskFormat(this.image, inspector.result(), services.settings.requireImageFormatMatch);
      if (!verdict.ok) return `Failed to upload image data for image ${id} to store ${store}: ${verdict.message}`;
      virtualSize = verdict.virtualSize;
    }
    this.track(recordTaskProgress(services, state.taskId, { message: `Copied ${Math.floor(written.size / MiB)} MiB` }));
    const r = await services.imports.storeWritten(id, state.taskId, store, key, { ...written, virtualSize }, activate);
    if (!r.ok && r.reason === "conflict") return r.message;
    const ok = this.check(r);
    this.done[store] = ok.key;
    this.image = ok.image;
    notify(services, "image.upload", { ...imagePayload(ok.image), ...importProperties(ok.image) });
    if (ok.activated) notify(services, "image.activate", imagePayload(ok.image));
    notifyImage(services, "image.update", ok.image);
    return null;
  }

  /** The step's answer, or Stop when the lock is gone or the image deleted. */
  private check<T>(r: ImportStep<T>): { ok: true } & T {
    if (r.ok) return r;
    if (r.reason === "superseded") throw new Superseded(r.message);
    throw new Stop(r.message);
  }

  private track(p: Promise<unknown>): void {
    const q = p.catch((e) => console.warn(`import ${this.state.taskId}: ${String(e)}`));
    this.pending.add(q);
    void q.finally(() => this.pending.delete(q));
  }
}

/** glance/notifier.py _format_import_properties. */
function importProperties(image: Image) {
  return { os_glance_importing_to_stores: storeList(image, IMPORTING_TO), os_glance_failed_import: storeList(image, IMPORT_FAILED) };
}
