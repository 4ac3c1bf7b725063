// Glance's secure-RBAC defaults as data: the check strings of glance/policies/*.py (base, image,
// tasks, cache, discovery, metadef), rule names as Glance's. A POLICY document overrides them rule
// by rule (see document.ts). Every rule a route uses must be listed here: the engine answers an
// unknown name with `default` (allow), as oslo.policy does for unregistered rules.
const ADMIN = "role:admin";
const PROJECT_MEMBER = "role:member and project_id:%(project_id)s";
const PROJECT_READER = "role:reader and project_id:%(project_id)s";
const ADMIN_OR_PROJECT_MEMBER = `${ADMIN} or (${PROJECT_MEMBER})`;
const ADMIN_OR_PROJECT_READER = `${ADMIN} or (${PROJECT_READER})`;
// Owner project, the caller's membership of a shared image, or a visibility anyone may see.
const IMAGE_VISIBLE =
  "(project_id:%(project_id)s or project_id:%(member_id)s or 'community':%(visibility)s or 'public':%(visibility)s or 'shared':%(visibility)s)";
const OWNER_OR_IMAGE_MEMBER = "(project_id:%(project_id)s or project_id:%(member_id)s)";
const METADEF_READ = `${ADMIN} or (role:reader and (project_id:%(project_id)s or 'public':%(visibility)s))`;

export const DEFAULT_RULES: Record<string, string> = {
  default: "",
  context_is_admin: "role:admin",
  service_api: "role:service or role:admin",

  // images (glance/policies/image.py)
  add_image: `${ADMIN} or (${PROJECT_MEMBER} and project_id:%(owner)s)`,
  delete_image: ADMIN_OR_PROJECT_MEMBER,
  get_image: `${ADMIN} or (role:reader and ${IMAGE_VISIBLE})`,
  get_images: ADMIN_OR_PROJECT_READER,
  modify_image: ADMIN_OR_PROJECT_MEMBER,
  publicize_image: ADMIN,
  communitize_image: ADMIN_OR_PROJECT_MEMBER,
  download_image: `${ADMIN} or (role:member and ${IMAGE_VISIBLE})`,
  download_from_store: `${ADMIN} or (role:member and ${IMAGE_VISIBLE})`,
  upload_image: ADMIN_OR_PROJECT_MEMBER,
  delete_image_location: ADMIN,
  get_image_location: ADMIN_OR_PROJECT_READER,
  set_image_location: ADMIN_OR_PROJECT_MEMBER,
  add_image_location: `rule:service_api or (${PROJECT_MEMBER} and project_id:%(owner)s)`,
  fetch_image_location: "rule:service_api",
  deactivate: ADMIN_OR_PROJECT_MEMBER,
  reactivate: ADMIN_OR_PROJECT_MEMBER,
  copy_image: ADMIN,

  // members
  add_member: ADMIN_OR_PROJECT_MEMBER,
  delete_member: ADMIN_OR_PROJECT_MEMBER,
  get_member: `${ADMIN} or (role:reader and ${OWNER_OR_IMAGE_MEMBER})`,
  get_members: `${ADMIN} or (role:reader and ${OWNER_OR_IMAGE_MEMBER})`,
  modify_member: `${ADMIN} or (role:member and project_id:%(member_id)s)`,

  // tasks (the real gate is tasks_api_access)
  get_task: "rule:default",
  get_tasks: "rule:default",
  add_task: "rule:default",
  modify_task: "rule:default",
  tasks_api_access: ADMIN,

  // cache and discovery
  manage_image_cache: ADMIN,
  cache_image: ADMIN,
  cache_list: ADMIN,
  cache_delete: ADMIN,
  cache_clean: ADMIN,
  cache_prune: ADMIN,
  list_cached_nodes: ADMIN,
  stores_info_detail: `${ADMIN} or rule:service_api`,

  // metadefs (glance/policies/metadef.py)
  metadef_default: "",
  metadef_admin: ADMIN,
  get_metadef_namespace: METADEF_READ,
  get_metadef_namespaces: ADMIN_OR_PROJECT_READER,
  modify_metadef_namespace: "rule:metadef_admin",
  add_metadef_namespace: "rule:metadef_admin",
  delete_metadef_namespace: "rule:metadef_admin",
  get_metadef_object: METADEF_READ,
  get_metadef_objects: METADEF_READ,
  modify_metadef_object: "rule:metadef_admin",
  add_metadef_object: "rule:metadef_admin",
  delete_metadef_object: "rule:metadef_admin",
  list_metadef_resource_types: METADEF_READ,
  get_metadef_resource_type: METADEF_READ,
  add_metadef_resource_type_association: "rule:metadef_admin",
  remove_metadef_resource_type_association: "rule:metadef_admin",
  get_metadef_property: METADEF_READ,
  get_metadef_properties: METADEF_READ,
  modify_metadef_property: "rule:metadef_admin",
  add_metadef_property: "rule:metadef_admin",
  remove_metadef_property: "rule:metadef_admin",
  get_metadef_tag: METADEF_READ,
  get_metadef_tags: METADEF_READ,
  modify_metadef_tag: "rule:metadef_admin",
  add_metadef_tag: "rule:metadef_admin",
  add_metadef_tags: "rule:metadef_admin",
  delete_metadef_tag: "rule:metadef_admin",
  delete_metadef_tags: "rule:metadef_admin",

  // webhooks (not Glance's; README "Webhooks"): the owner project manages its own, admin all.
  // The target's project_id is the webhook's owner (the caller's project for add/list).
  add_webhook: ADMIN_OR_PROJECT_MEMBER,
  get_webhook: ADMIN_OR_PROJECT_READER,
  get_webhooks: ADMIN_OR_PROJECT_READER,
  modify_webhook: ADMIN_OR_PROJECT_MEMBER,
  delete_webhook: ADMIN_OR_PROJECT_MEMBER,

  // the public catalog (not Glance's; README "Catalog"): who may browse /catalog. It reads as a
  // project-less reader, so only public and community images show; "!" closes it.
  browse_catalog: "",
};
