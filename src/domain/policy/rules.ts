// Glance's secure-RBAC defaults (glance/policies/{base,image,metadef,tasks,cache,discovery}.py) as data.
const ADMIN = "rule:context_is_admin";
const PROJECT_MEMBER = "role:member and project_id:%(project_id)s";
const PROJECT_READER = "role:reader and project_id:%(project_id)s";
const ADMIN_OR_PROJECT_MEMBER = `${ADMIN} or (${PROJECT_MEMBER})`;
const ADMIN_OR_PROJECT_READER = `${ADMIN} or (${PROJECT_READER})`;
const VISIBLE_TO =
  "(project_id:%(project_id)s or project_id:%(member_id)s or 'community':%(visibility)s or 'public':%(visibility)s or 'shared':%(visibility)s)";

export const DEFAULT_RULES: Record<string, string> = {
  context_is_admin: "role:admin",
  default: "",
  service_api: "role:service or role:admin",
  admin_or_project_member: ADMIN_OR_PROJECT_MEMBER,
  admin_or_project_reader: ADMIN_OR_PROJECT_READER,

  add_image: `${ADMIN} or (role:member and project_id:%(project_id)s and project_id:%(owner)s)`,
  get_image: `${ADMIN} or (role:reader and ${VISIBLE_TO})`,
  get_images: ADMIN_OR_PROJECT_READER,
  modify_image: ADMIN_OR_PROJECT_MEMBER,
  delete_image: ADMIN_OR_PROJECT_MEMBER,
  upload_image: ADMIN_OR_PROJECT_MEMBER,
  download_image: `${ADMIN} or (role:member and ${VISIBLE_TO})`,
  download_from_store: `${ADMIN} or (role:member and ${VISIBLE_TO})`,
  publicize_image: "role:admin",
  communitize_image: ADMIN_OR_PROJECT_MEMBER,
  deactivate: ADMIN_OR_PROJECT_MEMBER,
  reactivate: ADMIN_OR_PROJECT_MEMBER,
  copy_image: "role:admin",
  get_image_location: ADMIN_OR_PROJECT_READER,
  set_image_location: ADMIN_OR_PROJECT_MEMBER,
  delete_image_location: "role:admin",
  add_image_location: `rule:service_api or (${PROJECT_MEMBER} and project_id:%(owner)s)`,
  fetch_image_location: "rule:service_api",

  add_member: ADMIN_OR_PROJECT_MEMBER,
  delete_member: ADMIN_OR_PROJECT_MEMBER,
  get_member: `${ADMIN} or (role:reader and (project_id:%(project_id)s or project_id:%(member_id)s))`,
  get_members: `${ADMIN} or (role:reader and (project_id:%(project_id)s or project_id:%(member_id)s))`,
  modify_member: `${ADMIN} or (role:member and project_id:%(member_id)s)`,

  tasks_api_access: "role:admin",
  get_task: "rule:default",
  get_tasks: "rule:default",
  add_task: "rule:default",
  modify_task: "rule:default",

  stores_info_detail: `${ADMIN} or rule:service_api`,
  manage_image_cache: "role:admin",
};
