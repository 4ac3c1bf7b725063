import type {
  AssociationFields,
  MetadefNamespace,
  MetadefObject,
  MetadefProperty,
  MetadefTag,
  NamespaceContent,
  NamespaceFields,
  NamespaceListQuery,
  ObjectFields,
  PropertyDef,
  ResourceType,
  ResourceTypeAssociation,
  TagListQuery,
} from "./types";

/**
 * The metadefs catalog store (re-exported from ports.ts). Writes that would break a uniqueness
 * rule return "duplicate" instead of throwing; "gone" means the namespace or row vanished under us.
 * Every multi-row write is atomic.
 */
export interface MetadefRepository {
  getNamespace(name: string): Promise<MetadefNamespace | null>;
  listNamespaces(q: NamespaceListQuery): Promise<MetadefNamespace[]>;
  /** The namespace and everything it embeds, in one atomic write. */
  createNamespace(fields: NamespaceFields, content: NamespaceContent): Promise<MetadefNamespace | "duplicate">;
  updateNamespace(id: number, fields: Omit<NamespaceFields, "createdAt">): Promise<MetadefNamespace | "duplicate" | "gone">;
  /** Deletes the namespace with its objects, properties, tags and associations. */
  deleteNamespace(id: number): Promise<void>;
  deleteNamespaceContent(id: number, what: "objects" | "properties" | "tags"): Promise<void>;

  listObjects(namespaceId: number): Promise<MetadefObject[]>;
  getObject(namespaceId: number, name: string): Promise<MetadefObject | null>;
  createObject(namespaceId: number, fields: ObjectFields, now: string): Promise<MetadefObject | "duplicate" | "gone">;
  updateObject(id: number, fields: ObjectFields, now: string): Promise<MetadefObject | "duplicate" | "gone">;
  deleteObject(id: number): Promise<void>;

  listProperties(namespaceId: number): Promise<MetadefProperty[]>;
  getProperty(namespaceId: number, name: string): Promise<MetadefProperty | null>;
  createProperty(namespaceId: number, name: string, schema: PropertyDef, now: string): Promise<MetadefProperty | "duplicate" | "gone">;
  updateProperty(id: number, name: string, schema: PropertyDef, now: string): Promise<MetadefProperty | "duplicate" | "gone">;
  deleteProperty(id: number): Promise<void>;

  listTags(namespaceId: number, q: TagListQuery): Promise<MetadefTag[]>;
  getTag(namespaceId: number, name: string): Promise<MetadefTag | null>;
  createTag(namespaceId: number, name: string, now: string): Promise<MetadefTag | "duplicate" | "gone">;
  /** Adds `names` (after removing every existing tag unless `append`), all or nothing. */
  createTags(namespaceId: number, names: string[], append: boolean, now: string): Promise<MetadefTag[] | "duplicate" | "gone">;
  updateTag(id: number, name: string, now: string): Promise<MetadefTag | "duplicate" | "gone">;
  deleteTag(id: number): Promise<void>;

  listResourceTypes(): Promise<ResourceType[]>;
  getResourceType(name: string): Promise<ResourceType | null>;
  listAssociations(namespaceId: number): Promise<ResourceTypeAssociation[]>;
  /** Associations of several namespaces at once (namespace listings). */
  associationsByNamespace(namespaceIds: number[]): Promise<Map<number, ResourceTypeAssociation[]>>;
  /** Creates the resource type on first use (unprotected), then the association. */
  createAssociation(namespaceId: number, fields: AssociationFields, now: string): Promise<ResourceTypeAssociation | "duplicate" | "gone">;
  deleteAssociation(namespaceId: number, resourceTypeId: number): Promise<void>;
}
