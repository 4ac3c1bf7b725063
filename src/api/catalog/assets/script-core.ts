// The catalog's browser script, part 1 of 3 (served as one file, /catalog/static/catalog.<hash>.js;
// plain ES2020, no build step). Shared helpers: the token (sessionStorage only), calls to /v2 with
// X-Auth-Token, safe DOM building (textContent, never innerHTML), the header's session line and
// the image page's copy buttons. Written without template literals so that it can sit in String.raw.
export const SCRIPT_CORE = String.raw`
(function () {
  "use strict";
  var TOKEN_KEY = "glance-catalog.token";
  var WHO_KEY = "glance-catalog.session";
  var C = (window.GlanceCatalog = {});

  C.$ = function (id) { return document.getElementById(id); };
  C.token = function () { try { return sessionStorage.getItem(TOKEN_KEY); } catch (e) { return null; } };
  C.setToken = function (t) { sessionStorage.setItem(TOKEN_KEY, t); sessionStorage.removeItem(WHO_KEY); };
  C.clearToken = function () { sessionStorage.removeItem(TOKEN_KEY); sessionStorage.removeItem(WHO_KEY); };

  /** h("a", {href: "/x", className: "y"}, "text", child...): children are text, nodes or arrays of them. */
  C.h = function (tag, props) {
    var el = document.createElement(tag);
    var k;
    for (k in props || {}) {
      if (k === "className") el.className = props[k];
      else if (k === "dataset") Object.assign(el.dataset, props[k]);
      else if (k.indexOf("on") === 0) el.addEventListener(k.slice(2), props[k]);
      else if (props[k] === true) el.setAttribute(k, "");
      else if (props[k] !== false && props[k] != null) el.setAttribute(k, String(props[k]));
    }
    var add = function (c) {
      if (c == null || c === false) return;
      if (Array.isArray(c)) return c.forEach(add);
      el.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
    };
    for (var i = 2; i < arguments.length; i++) add(arguments[i]);
    return el;
  };

  C.humanSize = function (n) {
    if (n == null) return "\u2014";
    if (n < 1024) return n + (n === 1 ? " byte" : " bytes");
    var units = ["KiB", "MiB", "GiB", "TiB", "PiB"], v = n / 1024, u = 0;
    while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
    return (v >= 100 ? v.toFixed(0) : v.toFixed(1)) + " " + units[u];
  };

  /** The message of a Glance error body ({"message": "...<br /><br />..."}), else the status line. */
  C.errorOf = async function (r) {
    var text = "";
    try { text = await r.text(); } catch (e) { /* nothing */ }
    try {
      var body = JSON.parse(text);
      if (body && typeof body.message === "string") return body.message.split("<br")[0].trim() || r.status + " " + (body.title || "");
    } catch (e) { /* not JSON */ }
    return r.status + " " + (r.statusText || "error");
  };

  /** A call to the API with the session's token; throws an Error with Glance's message and .status. */
  C.api = async function (method, path, body) {
    var headers = { "X-Auth-Token": C.token() || "", Accept: "application/json" };
    var init = { method: method, headers: headers, cache: "no-store", credentials: "omit" };
    if (body !== undefined) { headers["Content-Type"] = "application/json"; init.body = JSON.stringify(body); }
    var r = await fetch(path, init);
    if (!r.ok) {
      var err = new Error(await C.errorOf(r));
      err.status = r.status;
      throw err;
    }
    if (r.status === 204) return null;
    return (r.headers.get("Content-Type") || "").indexOf("json") >= 0 ? r.json() : null;
  };

  /** Who the token is (GET /catalog/session), remembered for the tab. */
  C.whoami = async function (fresh) {
    var cached = sessionStorage.getItem(WHO_KEY);
    if (cached && !fresh) return JSON.parse(cached);
    var who = await C.api("GET", "/catalog/session");
    sessionStorage.setItem(WHO_KEY, JSON.stringify(who));
    return who;
  };

  function headerStatus() {
    var line = C.$("session-status");
    if (!line || !C.token()) return;
    C.whoami(false).then(function (who) {
      line.textContent = "";
      line.appendChild(document.createTextNode("Signed in to project " + who.project_id + " \u00b7 "));
      line.appendChild(C.h("a", { href: "/catalog/account" }, "your images"));
    }, function () { /* the account page says why */ });
  }

  function copyButtons() {
    var status = document.querySelector(".copy-status");
    document.querySelectorAll("button[data-copy]").forEach(function (b) {
      b.hidden = false;
      b.addEventListener("click", function () {
        var text = C.$(b.dataset.copy).textContent;
        var done = function () { b.textContent = "Copied"; if (status) status.textContent = "Copied to the clipboard."; setTimeout(function () { b.textContent = "Copy"; }, 2000); };
        if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, function () { selectText(b.dataset.copy); });
        else { selectText(b.dataset.copy); try { if (document.execCommand("copy")) done(); } catch (e) { /* selected for the user */ } }
      });
    });
  }
  function selectText(id) {
    var range = document.createRange();
    range.selectNodeContents(C.$(id));
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }

  headerStatus();
  copyButtons();
})();
`;
