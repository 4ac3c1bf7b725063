// The catalog's two static files, named by a hash of their content so that they can be cached
// for a year (a new deployment with new content gets new names).
import { SCRIPT_ACCOUNT } from "./script-account";
import { SCRIPT_CORE } from "./script-core";
import { SCRIPT_UPLOAD } from "./script-upload";
import { CSS } from "./styles";

export interface Asset {
  path: string;
  type: string;
  body: string;
}

/** FNV-1a, 32 bits, as 8 hex digits: enough to tell versions apart. */
function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

function asset(name: string, ext: string, type: string, body: string): Asset {
  return { path: `/catalog/static/${name}.${fnv1a(body)}.${ext}`, type, body };
}

const SCRIPT = [SCRIPT_CORE, SCRIPT_ACCOUNT, SCRIPT_UPLOAD].join("\n");

export const ASSETS = {
  css: asset("catalog", "css", "text/css; charset=utf-8", CSS),
  js: asset("catalog", "js", "text/javascript; charset=utf-8", SCRIPT),
};
