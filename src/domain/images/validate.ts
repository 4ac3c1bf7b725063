import { badRequest } from "../errors";
import type { Settings } from "../settings";
import { VISIBILITIES } from "./image";

// The checks glance/api/v2/images.py get_base_properties() + etc/schema-image.json encode as JSON
// schema, done by hand so the domain has no schema library. Messages follow jsonschema's wording.
const UUID_RE = /^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$/;
const invalid = (reason: string) => badRequest(`Provided object does not match schema 'image': ${reason}`);
const show = (v: unknown) => JSON.stringify(v);

const nullableString = (max: number) => (name: string, v: unknown) => {
  if (v === null) return;
  if (typeof v !== "string") throw invalid(`${show(v)} is not of type 'null', 'string' (on '${name}')`);
  if (v.length > max) throw invalid(`${show(v)} is too long (on '${name}')`);
};
const string = (name: string, v: unknown) => {
  if (typeof v !== "string") throw invalid(`${show(v)} is not of type 'string' (on '${name}')`);
};
const boolean = (name: string, v: unknown) => {
  if (typeof v !== "boolean") throw invalid(`${show(v)} is not of type 'boolean' (on '${name}')`);
};
const nonNegativeInt = (name: string, v: unknown) => {
  if (typeof v !== "number" || !Number.isInteger(v)) throw invalid(`${show(v)} is not of type 'integer' (on '${name}')`);
  if (v < 0) throw invalid(`${v} is less than the minimum of 0 (on '${name}')`);
};
const nullableUuid = (name: string, v: unknown) => {
  if (v === null) return;
  if (typeof v !== "string" || !UUID_RE.test(v)) throw invalid(`${show(v)} does not match '^([0-9a-fA-F]){8}-...' (on '${name}')`);
};
const oneOf = (values: readonly (string | null)[]) => (name: string, v: unknown) => {
  if (!values.includes(v as string | null)) throw invalid(`${show(v)} is not one of ${show(values)} (on '${name}')`);
};

export function attributeValidators(settings: Settings): Record<string, (name: string, v: unknown) => void> {
  return {
    id: (name, v) => {
      if (typeof v !== "string" || !UUID_RE.test(v)) throw invalid(`${show(v)} does not match UUID pattern (on '${name}')`);
    },
    name: nullableString(255),
    visibility: oneOf(VISIBILITIES),
    protected: boolean,
    os_hidden: boolean,
    owner: nullableString(255),
    container_format: oneOf([null, ...settings.containerFormats]),
    disk_format: oneOf([null, ...settings.diskFormats]),
    min_disk: nonNegativeInt,
    min_ram: nonNegativeInt,
    tags: (name, v) => {
      if (!Array.isArray(v)) throw invalid(`${show(v)} is not of type 'array' (on '${name}')`);
      for (const t of v) {
        if (typeof t !== "string") throw invalid(`${show(t)} is not of type 'string' (on '${name}')`);
        if (t.length > 255) throw invalid(`${show(t)} is too long (on '${name}')`);
      }
    },
    // etc/schema-image.json: typed "custom" properties.
    kernel_id: nullableUuid,
    ramdisk_id: nullableUuid,
    // Plain "type": "string" there: null is refused, any length and (for the key id) any format.
    instance_uuid: string,
    architecture: string,
    os_distro: string,
    os_version: string,
    description: string,
    cinder_encryption_key_id: string,
    cinder_encryption_key_deletion_policy: oneOf(["on_image_deletion", "do_not_delete"]),
  };
}

/** Base attributes are columns; the rest are extra properties (strings). */
export const COLUMN_ATTRIBUTES = new Set([
  "id",
  "name",
  "visibility",
  "protected",
  "os_hidden",
  "owner",
  "container_format",
  "disk_format",
  "min_disk",
  "min_ram",
  "tags",
]);

/**
 * The longest extra property value. Glance's image_properties.value is a TEXT column (65535 bytes
 * in MySQL) and its schema sets no maxLength, so a longer value fails or is cut in its database.
 * Here it would reach D1 (2 MB per value, and the whole property set is written in one statement):
 * refused first, in characters, the schema's unit.
 */
export const MAX_PROPERTY_VALUE_LENGTH = 65535;

/** Validates one attribute or extra property value; extra properties must be strings ≤255 keys. */
export function validateValue(settings: Settings, name: string, value: unknown): void {
  const check = attributeValidators(settings)[name];
  if (check) check(name, value);
  else {
    if (name.length > 255) throw invalid(`property name too long: '${name.slice(0, 40)}...'`);
    if (name.length === 0) throw invalid("property name is empty");
    if (typeof value !== "string") throw invalid(`${show(value)} is not of type 'string' (on '${name}')`);
  }
  if (!COLUMN_ATTRIBUTES.has(name) && typeof value === "string" && value.length > MAX_PROPERTY_VALUE_LENGTH) {
    throw invalid(`${show(value.slice(0, 40))}... is too long: more than ${MAX_PROPERTY_VALUE_LENGTH} characters (on '${name}')`);
  }
}

/** Extra properties the typed schema allows null for are stored as absent. */
export const isTypedProperty = (name: string) => !COLUMN_ATTRIBUTES.has(name) && name in TYPED_PROPERTY_NAMES;
const TYPED_PROPERTY_NAMES: Record<string, true> = {
  kernel_id: true,
  ramdisk_id: true,
  instance_uuid: true,
  architecture: true,
  os_distro: true,
  os_version: true,
  description: true,
  cinder_encryption_key_id: true,
  cinder_encryption_key_deletion_policy: true,
};
