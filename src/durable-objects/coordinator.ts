import type { Image, ImageStatus } from "../domain/images/image";
import type { BeginUpload, FinishUpload, ImageCoordinator, UploadedData } from "../domain/ports";
import type { ImageObject } from "./image-object";

/** ImageCoordinator port over the per-image Durable Object (RPC). */
export class DurableObjectCoordinator implements ImageCoordinator {
  constructor(private readonly ns: DurableObjectNamespace<ImageObject>) {}

  private stub(id: string) {
    return this.ns.getByName(id);
  }

  transition(id: string, from: readonly ImageStatus[], to: ImageStatus, fields?: Partial<Image>): Promise<Image | null> {
    return this.stub(id).transition(id, [...from], to, fields) as Promise<Image | null>;
  }

  deleteImage(id: string, delayed: boolean): Promise<Image | null> {
    return this.stub(id).deleteImage(id, delayed) as Promise<Image | null>;
  }

  beginUpload(id: string, store: string): Promise<BeginUpload> {
    return this.stub(id).beginUpload(id, store) as Promise<BeginUpload>;
  }

  renewUpload(id: string, uploadId: string): Promise<"ok" | "cancelled" | "lost"> {
    return this.stub(id).renewUpload(id, uploadId);
  }

  finishUpload(id: string, uploadId: string, data: UploadedData): Promise<FinishUpload> {
    return this.stub(id).finishUpload(id, uploadId, data) as Promise<FinishUpload>;
  }

  abortUpload(id: string, uploadId: string): Promise<void> {
    return this.stub(id).abortUpload(id, uploadId);
  }
}
