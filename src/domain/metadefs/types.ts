// Metadata definitions (glance/domain/__init__.py Metadef*): plain data, no behaviour.

/** A property definition: a JSON-schema fragment (type, title, enum, ...), stored as given. */
export type PropertyDef = Record<string, unknown>;

export interface MetadefNamespace {
  id: number;
  namespace: string;
  displayName: string | null;
  description: string | null;
  visibility: "public" | "private";
  protected: boolean;
  owner: string;
  createdAt: string;
  updatedAt: string | null;
}

export interface MetadefObject {
  id: number;
  namespaceId: number;
  name: string;
  description: string | null;
  required: string[];
  properties: Record<string, PropertyDef>;
  createdAt: string;
  updatedAt: string | null;
}

export interface MetadefProperty {
  id: number;
  namespaceId: number;
  name: string;
  schema: PropertyDef;
  createdAt: string;
  updatedAt: string | null;
}

export interface MetadefTag {
  id: number;
  namespaceId: number;
  name: string;
  createdAt: string;
  updatedAt: string | null;
}

export interface ResourceType {
  id: number;
  name: string;
  protected: boolean;
  createdAt: string;
  updatedAt: string | null;
}

/** A resource type associated with a namespace (metadef_namespace_resource_types). */
export interface ResourceTypeAssociation {
  resourceTypeId: number;
  namespaceId: number;
  name: string;
  prefix: string | null;
  propertiesTarget: string | null;
  createdAt: string;
  updatedAt: string | null;
}

export type NamespaceFields = Omit<MetadefNamespace, "id">;
export type ObjectFields = Pick<MetadefObject, "name" | "description" | "required" | "properties">;
export type AssociationFields = Pick<ResourceTypeAssociation, "name" | "prefix" | "propertiesTarget">;

/** What a namespace create may embed (glance NamespaceController.create). */
export interface NamespaceContent {
  associations: AssociationFields[];
  objects: ObjectFields[];
  properties: { name: string; schema: PropertyDef }[];
  tags: string[];
}

export type NamespaceSortKey = "created_at" | "updated_at" | "namespace" | "display_name" | "owner" | "visibility" | "protected" | "id";
export type TagSortKey = "created_at" | "updated_at" | "name" | "id";

export interface NamespaceListQuery {
  viewer: { isAdmin: boolean; projectId: string | null };
  visibility?: "public" | "private";
  /** Only namespaces associated with one of these resource types. */
  resourceTypes?: string[];
  sortKey: NamespaceSortKey;
  sortDir: "asc" | "desc";
  limit: number;
  marker?: MetadefNamespace;
}

export interface TagListQuery {
  sortKey: TagSortKey;
  sortDir: "asc" | "desc";
  limit?: number;
  marker?: MetadefTag;
}
