import type { Settings } from "../settings";
import { type PropertySchema, type SchemaDocument, UUID_PATTERN, collectionSchema, entitySchema } from "./json-schema";

// The image document: glance/api/v2/images.py get_base_properties() merged with the typed
// "custom" properties of etc/schema-image.json, served as a permissive schema (extra keys are
// strings). Same names, types, enums, patterns and readOnly flags; our own descriptions.

const readOnlyString = (description: string): PropertySchema => ({ type: "string", readOnly: true, description });

function baseProperties(settings: Settings): Record<string, PropertySchema> {
  return {
    id: { type: "string", description: "Image identifier (UUID)", pattern: UUID_PATTERN },
    name: { type: ["null", "string"], description: "Human-readable image name", maxLength: 255 },
    status: {
      type: "string",
      readOnly: true,
      description: "Lifecycle state of the image",
      enum: ["queued", "saving", "active", "killed", "deleted", "uploading", "importing", "pending_delete", "deactivated"],
    },
    visibility: { type: "string", description: "Who can see the image", enum: ["community", "public", "private", "shared"] },
    protected: { type: "boolean", description: "When true the image cannot be deleted" },
    os_hidden: { type: "boolean", description: "When true the image is left out of default listings" },
    checksum: { type: ["null", "string"], readOnly: true, description: "MD5 digest of the image data", maxLength: 32 },
    os_hash_algo: { type: ["null", "string"], readOnly: true, description: "Hash algorithm behind os_hash_value", maxLength: 64 },
    os_hash_value: { type: ["null", "string"], readOnly: true, description: "Hex digest of the image data, by os_hash_algo", maxLength: 128 },
    owner: { type: ["null", "string"], description: "Project owning the image", maxLength: 255 },
    size: { type: ["null", "integer"], readOnly: true, description: "Size of the image data in bytes" },
    virtual_size: { type: ["null", "integer"], readOnly: true, description: "Virtual disk size in bytes" },
    // Enums come from configuration, like Glance's [image_format] options; null means "unset".
    container_format: { type: ["null", "string"], description: "Container format of the image data", enum: [null, ...settings.containerFormats] },
    disk_format: { type: ["null", "string"], description: "Disk format of the image data", enum: [null, ...settings.diskFormats] },
    created_at: readOnlyString("When the image was created"),
    updated_at: readOnlyString("When the image was last changed"),
    tags: { type: "array", description: "Free-form labels of the image", items: { type: "string", maxLength: 255 } },
    direct_url: readOnlyString("Location of the image data in its backing store"),
    min_ram: { type: "integer", description: "RAM needed to boot the image, in MB" },
    min_disk: { type: "integer", description: "Disk needed to boot the image, in GB" },
    self: readOnlyString("URL of this image"),
    file: readOnlyString("URL of the image data"),
    // Glance also lists a read-only "stores" property here. It is left out on purpose:
    // python-glanceclient builds CLI options from this document and a "stores" property becomes
    // --stores, which clashes with image-create-via-import's own --stores (argparse aborts every
    // command once the schema is cached). Images still show "stores" as an extra property, and
    // writes to it stay read-only (READONLY_ATTRIBUTES).
    schema: readOnlyString("URL of this schema"),
    locations: {
      type: "array",
      items: {
        type: "object",
        properties: {
          url: { type: "string", maxLength: 255 },
          metadata: { type: "object" },
          validation_data: {
            description: "Checksum and hash the location's data must have; they fill in the image's own when it is queued",
            type: "object",
            writeOnly: true,
            additionalProperties: false,
            properties: {
              checksum: { type: "string", minLength: 32, maxLength: 32 },
              os_hash_algo: { type: "string", maxLength: 64 },
              os_hash_value: { type: "string", maxLength: 128 },
            },
            required: ["os_hash_algo", "os_hash_value"],
          },
        },
        required: ["url", "metadata"],
      },
      description: "Backing-store URLs of the image data",
    },
  };
}

/** etc/schema-image.json: typed properties an operator ships; `is_base: false` tells clients so. */
export function typedCustomProperties(): Record<string, PropertySchema> {
  const custom = (p: PropertySchema): PropertySchema => ({ ...p, is_base: false });
  return {
    kernel_id: custom({ type: ["null", "string"], pattern: UUID_PATTERN, description: "Image id of the kernel to boot an AMI-style image with" }),
    ramdisk_id: custom({ type: ["null", "string"], pattern: UUID_PATTERN, description: "Image id of the ramdisk to boot an AMI-style image with" }),
    instance_uuid: custom({ type: "string", description: "Server this image was taken from (informational)" }),
    architecture: custom({ description: "CPU architecture the image runs on", type: "string" }),
    os_distro: custom({ description: "Operating system distribution name", type: "string" }),
    os_version: custom({ description: "Operating system version, as its distributor names it", type: "string" }),
    description: custom({ description: "Free-text description of the image", type: "string" }),
    cinder_encryption_key_id: custom({ description: "Key manager id of the key that encrypts volumes made from this image", type: "string" }),
    cinder_encryption_key_deletion_policy: custom({
      description: "Whether deleting the image also deletes the key named by cinder_encryption_key_id",
      type: "string",
      enum: ["on_image_deletion", "do_not_delete"],
    }),
  };
}

/** GET /v2/schemas/image. */
export function imageSchema(settings: Settings): SchemaDocument {
  return entitySchema(
    "image",
    { ...baseProperties(settings), ...typedCustomProperties() },
    {
      additionalProperties: { type: "string" },
      links: [
        { rel: "self", href: "{self}" },
        { rel: "enclosure", href: "{file}" },
        { rel: "describedby", href: "{schema}" },
      ],
    },
  );
}

/** GET /v2/schemas/images. */
export function imagesSchema(settings: Settings): SchemaDocument {
  return collectionSchema("images", imageSchema(settings));
}
