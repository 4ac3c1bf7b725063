import type { Settings } from "../settings";
import { imageSchema, imagesSchema } from "./image";
import type { SchemaDocument } from "./json-schema";
import { memberSchema, membersSchema } from "./member";
import {
  namespaceSchema,
  namespacesSchema,
  objectSchema,
  objectsSchema,
  propertiesSchema,
  propertySchema,
  resourceTypeSchema,
  resourceTypesSchema,
  tagSchema,
  tagsSchema,
} from "./metadefs";
import { taskSchema, tasksSchema } from "./task";
import { uploadSessionSchema, uploadSessionsSchema } from "./upload-session";
import { webhookSchema, webhooksSchema } from "./webhook";

export type { PropertySchema, SchemaDocument } from "./json-schema";

/** Every document under /v2/schemas, by its path below that prefix (glance/api/v2/router.py). */
export const SCHEMA_DOCUMENTS: Record<string, (settings: Settings) => SchemaDocument> = {
  image: imageSchema,
  images: imagesSchema,
  member: memberSchema,
  members: membersSchema,
  task: taskSchema,
  tasks: tasksSchema,
  "metadefs/namespace": namespaceSchema,
  "metadefs/namespaces": namespacesSchema,
  "metadefs/resource_type": resourceTypeSchema,
  "metadefs/resource_types": resourceTypesSchema,
  "metadefs/property": () => propertySchema(),
  "metadefs/properties": propertiesSchema,
  "metadefs/object": objectSchema,
  "metadefs/objects": objectsSchema,
  "metadefs/tag": tagSchema,
  "metadefs/tags": tagsSchema,
  // not Glance's: the resumable upload sessions (README "Large images")
  "upload-session": uploadSessionSchema,
  "upload-sessions": uploadSessionsSchema,
  // not Glance's: webhook subscriptions (README "Webhooks")
  webhook: webhookSchema,
  webhooks: webhooksSchema,
};

/** The document served at /v2/schemas/`path`, or null when there is none. */
export function schemaDocument(settings: Settings, path: string): SchemaDocument | null {
  const build = Object.hasOwn(SCHEMA_DOCUMENTS, path) ? SCHEMA_DOCUMENTS[path] : undefined;
  return build ? build(settings) : null;
}
