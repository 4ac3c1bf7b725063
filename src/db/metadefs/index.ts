import type { MetadefRepository } from "../../domain/metadefs/repository";
import type { Db } from "../client";
import { metadefNamespaces } from "./namespaces-repo";
import { metadefObjects } from "./objects-repo";
import { metadefProperties } from "./properties-repo";
import { metadefResourceTypes } from "./resource-types-repo";
import { metadefTags } from "./tags-repo";

// The domain sees one MetadefRepository port; in D1 each entity has its own repository module.
// This class is the seam between them, so the wiring keeps doing `new D1MetadefRepository(db)`.

// Declaration merging: the constructor copies every port method onto the instance.
export interface D1MetadefRepository extends MetadefRepository {}

export class D1MetadefRepository {
  constructor(db: Db) {
    // Typed as the port, so a method no entity repository provides is a compile error here.
    const port: MetadefRepository = {
      ...metadefNamespaces(db),
      ...metadefObjects(db),
      ...metadefProperties(db),
      ...metadefTags(db),
      ...metadefResourceTypes(db),
    };
    Object.assign(this, port);
  }
}
