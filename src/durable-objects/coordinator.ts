import type { Image, ImageStatus } from "../domain/images/image";
import type { ImageCoordinator } from "../domain/ports";
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
}
