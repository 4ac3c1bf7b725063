// PUT /file's lease (shared/design.md "Upload, race-free"): queued → saving with a lease written
// before any I/O (a second begin sees it), data under a key per attempt, the lease renewed while the
// body streams; a writer that stops renewing is undone by the alarm (its object removed, the image
// back to queued). A delete during the upload cancels the lease: its object goes whenever it lands.
import { DomainError } from "../domain/errors";
import { CLEARED_DATA, type Image, nowIso } from "../domain/images/image";
import { InvalidStatusTransition, assertTransition } from "../domain/images/status";
import type { BeginUpload, FinishUpload, UploadedData } from "../domain/ports";
import type { ObjectHost } from "./object-host";

/** An upload attempt holds the image (saving) for this long past its last sign of life. */
export const LEASE_TTL_MS = 120_000;

/** The one upload attempt in flight for this image. */
export interface Lease {
  imageId: string;
  uploadId: string;
  store: string;
  key: string;
  startedAt: number;
  renewedAt: number;
  /** The image was deleted while the attempt streamed: its object must not survive. */
  cancelled: boolean;
}

const LEASE = "lease";
const expired = (lease: Lease) => Date.now() - lease.renewedAt > LEASE_TTL_MS;

export class UploadLeases {
  constructor(private readonly host: ObjectHost) {}

  get lease(): Lease | undefined {
    return this.host.kv.get<Lease>(LEASE);
  }

  private drop(uploadId: string): void {
    if (this.lease?.uploadId === uploadId) this.host.kv.delete(LEASE);
  }

  async begin(id: string, store: string, key: (uploadId: string) => string): Promise<BeginUpload> {
    const current = this.lease;
    if (current && !expired(current)) {
      return { ok: false, reason: "conflict", message: "Image status transition from saving to saving is not allowed" };
    }
    if (current) await this.expire(current);
    const uploadId = crypto.randomUUID();
    const now = Date.now();
    const lease: Lease = { imageId: id, uploadId, store, key: key(uploadId), startedAt: now, renewedAt: now, cancelled: false };
    this.host.kv.put(LEASE, lease);
    try {
      const repo = this.host.services.imageState;
      const image = await repo.get(id);
      if (!image) {
        this.drop(uploadId);
        return { ok: false, reason: "not_found", message: `No image found with ID ${id}` };
      }
      try {
        assertTransition(image.status, "saving", image);
      } catch (e) {
        this.drop(uploadId);
        if (e instanceof InvalidStatusTransition) return { ok: false, reason: "conflict", message: e.message };
        if (e instanceof DomainError) return { ok: false, reason: "bad_request", message: e.message };
        throw e;
      }
      const moved = await repo.transition(id, ["queued"], "saving", { updatedAt: nowIso() });
      if (!moved) {
        this.drop(uploadId);
        return { ok: false, reason: "conflict", message: "Image status transition from queued to saving is not allowed" };
      }
      await this.host.clock.armBy(this.due);
      return { ok: true, uploadId, key: lease.key, image: moved };
    } catch (e) {
      this.drop(uploadId);
      throw e;
    }
  }

  async renew(uploadId: string): Promise<"ok" | "cancelled" | "lost"> {
    const lease = this.lease;
    if (!lease || lease.uploadId !== uploadId) return "lost";
    if (lease.cancelled) return "cancelled";
    this.host.kv.put(LEASE, { ...lease, renewedAt: Date.now() });
    await this.host.clock.armBy(this.due);
    return "ok";
  }

  /** saving → active with the data and its location, if this attempt still holds the image. */
  async finish(id: string, uploadId: string, data: UploadedData): Promise<FinishUpload> {
    const lease = this.lease;
    if (!lease || lease.uploadId !== uploadId) {
      return { ok: false, reason: "lost", message: `The upload of image ${id} took too long and was abandoned.` };
    }
    const gone: FinishUpload = {
      ok: false,
      reason: "gone",
      message: `Image ${id} could not be found after upload. The image may have been deleted during the upload, cleaning up the chunks uploaded.`,
    };
    if (lease.cancelled) {
      await this.discard(lease);
      return gone;
    }
    const fields: Partial<Image> = { ...data };
    const image = await this.host.services.imageState.activateUpload(id, fields, { store: lease.store, key: lease.key }, nowIso());
    if (!image) {
      // Not saving any more: deleted meanwhile (the only other way out of saving is this lease).
      await this.discard(lease);
      return gone;
    }
    this.drop(uploadId);
    return { ok: true, image };
  }

  /** The attempt failed: its object goes, saving → queued with the data fields cleared. */
  async abort(id: string, uploadId: string): Promise<void> {
    const lease = this.lease;
    if (!lease || lease.uploadId !== uploadId) return;
    this.host.orphans.add([{ store: lease.store, key: lease.key }]);
    if (!lease.cancelled) await this.host.services.imageState.transition(id, ["saving"], "queued", { ...CLEARED_DATA, updatedAt: nowIso() });
    this.drop(uploadId);
    await this.host.orphans.reap();
  }

  private async discard(lease: Lease): Promise<void> {
    this.host.orphans.add([{ store: lease.store, key: lease.key }]);
    this.drop(lease.uploadId);
    await this.host.orphans.reap();
  }

  /** A writer that stopped renewing (its Worker died, the client vanished): undo its attempt. */
  private async expire(lease: Lease): Promise<void> {
    const repo = this.host.services.imageState;
    const active = await repo.locationsIn(lease.imageId, ["active"]);
    if (!active.some((l) => l.key === lease.key)) this.host.orphans.add([{ store: lease.store, key: lease.key }]);
    if (!lease.cancelled) await repo.transition(lease.imageId, ["saving"], "queued", { ...CLEARED_DATA, updatedAt: nowIso() });
    this.drop(lease.uploadId);
    await this.host.orphans.reap();
  }

  /** The image was deleted: a streaming attempt is cancelled and its object listed for removal. */
  onImageDeleted(): void {
    const lease = this.lease;
    if (!lease) return;
    this.host.kv.put(LEASE, { ...lease, cancelled: true });
    this.host.orphans.add([{ store: lease.store, key: lease.key }]);
  }

  async onAlarm(): Promise<void> {
    const lease = this.lease;
    if (lease && expired(lease)) await this.expire(lease);
  }

  /** When the lease expires, or null. */
  get due(): number | null {
    const lease = this.lease;
    return lease ? lease.renewedAt + LEASE_TTL_MS + 1 : null;
  }
}
