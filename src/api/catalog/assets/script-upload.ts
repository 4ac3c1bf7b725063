// The catalog's browser script, part 3 of 3: the upload form over the upload-session API (README
// "Large images"): create the image, POST .../upload-sessions, PUT the parts (3 in flight, each
// with XHR upload progress), POST .../complete, then wait for `active`. Resume: the session id
// and the file's name, size and lastModified are kept in localStorage; after a reload the user
// picks the same file, GET .../upload-sessions/{sid} says which parts arrived, the rest are sent.
export const SCRIPT_UPLOAD = String.raw`
(function () {
  "use strict";
  var C = window.GlanceCatalog;
  if (!C || document.body.dataset.page !== "account") return;
  var KEY = "glance-catalog.upload";
  var PARALLEL = 3;
  var MiB = 1048576;
  var OPEN = ["starting", "uploading"];
  var who = null;
  var busy = false;

  var saved = function () { try { return JSON.parse(localStorage.getItem(KEY) || "null"); } catch (e) { return null; } };
  var save = function (rec) { localStorage.setItem(KEY, JSON.stringify(rec)); };
  var forget = function () { localStorage.removeItem(KEY); };
  /** At least 5 MiB (R2's smallest part), whole MiB, at most about 1000 parts. */
  var partSizeFor = function (size) { return Math.max(5 * MiB, Math.ceil(size / 1000 / MiB) * MiB); };
  var partLength = function (rec, n) { return n < rec.partCount ? rec.partSize : rec.size - (rec.partCount - 1) * rec.partSize; };
  var sessionPath = function (rec) { return "/v2/images/" + rec.imageId + "/upload-sessions/" + rec.sessionId; };
  var sameFile = function (f, rec) { return f.name === rec.fileName && f.size === rec.size && f.lastModified === rec.lastModified; };

  function setError(msg) { C.$("upload-error").textContent = msg || ""; }
  function setBusy(b) {
    busy = b;
    C.$("upload-start").disabled = b;
    C.$("resume-file").disabled = b;
    C.$("resume-discard").disabled = b;
  }

  function showResume() {
    var rec = saved();
    var box = C.$("resume");
    if (!rec || !who || rec.project !== who.project_id) { box.hidden = true; return; }
    C.$("resume-text").textContent = "The upload of \u201c" + rec.fileName + "\u201d (" + C.humanSize(rec.size) + ") to the image \u201c" +
      rec.title + "\u201d was interrupted. Choose the same file to send the parts that are missing, or discard it.";
    box.hidden = false;
  }

  /** Progress of the whole file: parts stored plus the bytes of the parts in flight. */
  function meter(rec, stored) {
    var inflight = {};
    var done = stored;
    var bar = C.$("upload-progress");
    var text = C.$("upload-text");
    var partsDone = 0;
    C.$("upload-progress-box").hidden = false;
    var draw = function () {
      var bytes = done;
      for (var k in inflight) bytes += inflight[k];
      var pct = rec.size ? Math.min(100, (bytes / rec.size) * 100) : 100;
      bar.value = pct;
      bar.setAttribute("aria-valuetext", pct.toFixed(0) + " percent");
      text.textContent = "Uploading \u201c" + rec.fileName + "\u201d: " + C.humanSize(bytes) + " of " + C.humanSize(rec.size) + " (" + pct.toFixed(0) +
        " %), " + partsDone + " of " + rec.partCount + " parts stored" + (rec.resumed ? " (resumed)" : "") + ".";
    };
    return {
      start: function (n) { inflight[n] = 0; draw(); },
      progress: function (n, loaded) { inflight[n] = loaded; draw(); },
      stored: function (n, len) { delete inflight[n]; done += len; partsDone++; draw(); },
      failed: function (n) { delete inflight[n]; draw(); },
      setStoredParts: function (count) { partsDone = count; draw(); },
      say: function (msg) { text.textContent = msg; },
    };
  }

  /** PUT one part with XHR (fetch has no upload progress). */
  function putPart(rec, n, file, m) {
    return new Promise(function (resolve, reject) {
      var start = (n - 1) * rec.partSize;
      var xhr = new XMLHttpRequest();
      xhr.open("PUT", sessionPath(rec) + "/parts/" + n);
      xhr.setRequestHeader("X-Auth-Token", C.token() || "");
      xhr.setRequestHeader("Content-Type", "application/octet-stream");
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.onprogress = function (e) { m.progress(n, e.loaded); };
      xhr.onload = function () {
        if (xhr.status === 200) return resolve();
        var msg = xhr.status + "";
        try { msg = JSON.parse(xhr.responseText).message.split("<br")[0].trim(); } catch (e) { /* keep the status */ }
        var err = new Error(msg);
        err.status = xhr.status;
        reject(err);
      };
      xhr.onerror = function () { reject(new Error("the connection failed")); };
      m.start(n);
      xhr.send(file.slice(start, start + partLength(rec, n)));
    });
  }

  async function sendParts(rec, file, have) {
    var got = {};
    have.forEach(function (n) { got[n] = true; });
    var stored = have.reduce(function (s, n) { return s + partLength(rec, n); }, 0);
    var m = meter(rec, stored);
    m.setStoredParts(have.length);
    var queue = [];
    for (var n = 1; n <= rec.partCount; n++) if (!got[n]) queue.push(n);
    var worker = async function () {
      while (queue.length) {
        var part = queue.shift();
        for (var attempt = 1; ; attempt++) {
          try {
            await putPart(rec, part, file, m);
            m.stored(part, partLength(rec, part));
            break;
          } catch (e) {
            m.failed(part);
            if (attempt >= 3 || (e.status && e.status < 500)) throw e;
          }
        }
      }
    };
    var workers = [];
    for (var w = 0; w < Math.min(PARALLEL, queue.length); w++) workers.push(worker());
    await Promise.all(workers);
    m.say("All " + rec.partCount + " parts stored; checking the data (MD5 and SHA-512)\u2026");
    await C.api("POST", sessionPath(rec) + "/complete", {});
    await waitActive(rec, m);
  }

  async function waitActive(rec, m) {
    for (;;) {
      var img = await C.api("GET", "/v2/images/" + rec.imageId);
      if (img.status === "active") {
        forget();
        C.$("resume").hidden = true;
        C.$("upload-progress").value = 100;
        m.say("Done: \u201c" + (img.name || img.id) + "\u201d is active, " + C.humanSize(img.size) + ", SHA-512 " + img.os_hash_value.slice(0, 16) + "\u2026");
        if (C.account) C.account.reload();
        return;
      }
      if (img.status !== "saving") {
        var s = await C.api("GET", sessionPath(rec));
        forget();
        throw new Error("the service did not accept the data (" + s.status + (s.message ? ": " + s.message : "") + ")");
      }
      await new Promise(function (r) { setTimeout(r, 1000); });
    }
  }

  async function run(task) {
    if (busy) return;
    setBusy(true);
    setError("");
    try { await task(); } catch (e) { setError("Upload failed: " + e.message); } finally { setBusy(false); showResume(); }
  }

  async function upload(ev) {
    ev.preventDefault();
    var file = C.$("up-file").files[0];
    if (!file) return setError("Choose a file first.");
    if (saved()) return setError("Another upload is waiting to be resumed or discarded above.");
    var f = ev.target.elements;
    await run(async function () {
      var img = await C.api("POST", "/v2/images", { name: f.name.value, disk_format: f.disk_format.value, container_format: f.container_format.value, visibility: f.visibility.value });
      var s = await C.api("POST", "/v2/images/" + img.id + "/upload-sessions", { size: file.size, part_size: partSizeFor(file.size) });
      var rec = { project: who.project_id, imageId: img.id, sessionId: s.id, title: img.name, fileName: file.name, size: file.size,
        lastModified: file.lastModified, partSize: s.part_size, partCount: s.part_count };
      save(rec);
      if (C.account) C.account.reload();
      await sendParts(rec, file, []);
    });
  }

  async function resume() {
    var rec = saved();
    var file = C.$("resume-file").files[0];
    if (!rec || !file) return;
    if (!sameFile(file, rec)) {
      C.$("resume-file").value = "";
      return setError("That is not the same file: expected \u201c" + rec.fileName + "\u201d, " + rec.size + " bytes, as it was when the upload started.");
    }
    await run(async function () {
      var s = await C.api("GET", sessionPath(rec));
      rec.resumed = true;
      if (OPEN.indexOf(s.status) >= 0) return sendParts(rec, file, s.parts.map(function (p) { return p.part_number; }));
      if (s.status === "completing" || s.status === "verifying" || s.status === "completed") return waitActive(rec, meter(rec, rec.size));
      forget();
      throw new Error("the upload session is " + s.status + (s.message ? " (" + s.message + ")" : "") + "; start again");
    });
  }

  async function discard() {
    var rec = saved();
    if (!rec) return;
    await run(async function () {
      // The session first (the image goes back to queued), then the image this form created.
      try { await C.api("DELETE", sessionPath(rec)); } catch (e) { if (e.status !== 404 && e.status !== 409) throw e; }
      try { await C.api("DELETE", "/v2/images/" + rec.imageId); } catch (e) { if (e.status !== 404) throw e; }
      forget();
      C.$("upload-progress-box").hidden = true;
      if (C.account) C.account.reload();
    });
  }

  C.upload = {
    init: function (w) {
      who = w;
      showResume();
    },
  };
  C.$("upload-form").addEventListener("submit", upload);
  C.$("resume-file").addEventListener("change", resume);
  C.$("resume-discard").addEventListener("click", discard);
  C.$("up-file").addEventListener("change", function () {
    var f = C.$("up-file").files[0];
    if (f && !C.$("up-name").value) C.$("up-name").value = f.name.replace(/\.[^.]+$/, "");
  });
})();
`;
