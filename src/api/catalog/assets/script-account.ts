// The catalog's browser script, part 2 of 3: the account page. Sign in (the token goes to
// sessionStorage, then GET /catalog/session says whose it is), the project's own images and the
// images shared with it (GET /v2/images), member accept/reject (PUT /v2/images/{id}/members/{me}).
export const SCRIPT_ACCOUNT = String.raw`
(function () {
  "use strict";
  var C = window.GlanceCatalog;
  if (!C || document.body.dataset.page !== "account") return;
  var h = C.h;
  var who = null;

  function showSignin(message) {
    C.$("account").hidden = true;
    C.$("signin").hidden = false;
    C.$("signin-error").textContent = message || "";
  }

  async function start() {
    if (!C.token()) return showSignin("");
    try {
      who = await C.whoami(true);
    } catch (e) {
      C.clearToken();
      return showSignin("The token was refused: " + e.message);
    }
    C.$("signin").hidden = true;
    C.$("account").hidden = false;
    C.$("who-project").textContent = who.project_id || "(none)";
    C.$("who-roles").textContent = "roles: " + (who.roles || []).join(", ");
    C.account = { who: who, reload: loadOwn };
    loadOwn();
    loadShared();
    if (C.upload) C.upload.init(who);
  }

  function imageLink(img) {
    var name = img.name || "(no name)";
    return img.visibility === "public" || img.visibility === "community" ? h("a", { href: "/catalog/images/" + img.id }, name) : name;
  }

  function table(caption, head, rows) {
    return h("div", { className: "table-wrap" },
      h("table", null,
        h("caption", { className: "visually-hidden" }, caption),
        h("thead", null, h("tr", null, head.map(function (t) { return h("th", { scope: "col" }, t); }))),
        h("tbody", null, rows)));
  }
  function fill(box, node) {
    box.textContent = "";
    box.appendChild(node);
    box.setAttribute("aria-busy", "false");
  }

  async function loadOwn() {
    var box = C.$("own-list");
    try {
      var q = "/v2/images?visibility=all&limit=100&sort=created_at:desc&owner=" + encodeURIComponent(who.project_id);
      var images = (await C.api("GET", q)).images;
      if (!images.length) return fill(box, h("p", { className: "muted" }, "Your project owns no image yet."));
      fill(box, table("Images owned by your project", ["Name", "Status", "Visibility", "Size", "ID"], images.map(function (img) {
        return h("tr", { dataset: { imageId: img.id } },
          h("th", { scope: "row" }, imageLink(img)),
          h("td", null, img.status),
          h("td", null, img.visibility),
          h("td", { className: "num" }, C.humanSize(img.size)),
          h("td", null, h("code", null, img.id)));
      })));
    } catch (e) {
      fill(box, h("p", { className: "error" }, "Could not list your images: " + e.message));
    }
  }

  async function loadShared() {
    var box = C.$("shared-list");
    try {
      var lists = await Promise.all(["pending", "accepted", "rejected"].map(function (s) {
        return C.api("GET", "/v2/images?visibility=shared&limit=100&member_status=" + s).then(function (r) {
          return r.images.filter(function (i) { return i.owner !== who.project_id; }).map(function (i) { return { image: i, status: s }; });
        });
      }));
      var rows = lists[0].concat(lists[1], lists[2]);
      if (!rows.length) return fill(box, h("p", { className: "muted" }, "No image is shared with your project."));
      fill(box, table("Images shared with your project", ["Name", "Owner", "Size", "Your answer", "Actions"], rows.map(function (r) {
        var img = r.image;
        var label = img.name || img.id;
        return h("tr", { dataset: { imageId: img.id, memberStatus: r.status } },
          h("th", { scope: "row" }, imageLink(img)),
          h("td", null, img.owner),
          h("td", { className: "num" }, C.humanSize(img.size)),
          h("td", null, r.status),
          h("td", null, h("div", { className: "member-actions" },
            h("button", { type: "button", className: "secondary", disabled: r.status === "accepted", "aria-label": "Accept " + label, onclick: function () { answer(img, "accepted"); } }, "Accept"),
            h("button", { type: "button", className: "danger", disabled: r.status === "rejected", "aria-label": "Reject " + label, onclick: function () { answer(img, "rejected"); } }, "Reject"))));
      })));
    } catch (e) {
      fill(box, h("p", { className: "error" }, "Could not list the images shared with you: " + e.message));
    }
  }

  async function answer(img, status) {
    var line = C.$("member-status");
    try {
      await C.api("PUT", "/v2/images/" + img.id + "/members/" + encodeURIComponent(who.project_id), { status: status });
      line.textContent = (status === "accepted" ? "Accepted " : "Rejected ") + (img.name || img.id) + ".";
      line.className = "";
      await loadShared();
    } catch (e) {
      line.textContent = "Could not update the membership: " + e.message;
      line.className = "error";
    }
  }

  C.$("signin-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var t = C.$("token").value.trim();
    if (!t) return;
    C.setToken(t);
    C.$("token").value = "";
    start();
  });
  C.$("signout").addEventListener("click", function () {
    C.clearToken();
    C.$("session-status").textContent = "";
    showSignin("");
    C.$("token").focus();
  });

  start();
})();
`;
