#!/usr/bin/python3
"""openstacksdk (Debian python3-openstacksdk) against an Image API v2 endpoint without Keystone.

usage: /usr/bin/python3 scripts/sdk-scenario.py http://127.0.0.1:9292

Identity travels in the token ("<project>:<roles>"), as with the development auth mode and the
reference Glance's anchor_auth filter. Covers: create, upload, show, download + sha512, sharing
(member create / accept / remove), glance-direct import (stage + import), delete.
Env: SIZE_MB (default 8) for the uploaded image. Last line: "N passed, N failed"; exit 1 on failure.
"""
import hashlib
import os
import sys
import tempfile
import time
import warnings

warnings.filterwarnings("ignore")

import openstack  # noqa: E402
from openstack import exceptions  # noqa: E402

URL = sys.argv[1].rstrip("/") if len(sys.argv) > 1 else sys.exit("usage: sdk-scenario.py ENDPOINT_URL")
SIZE = int(os.environ.get("SIZE_MB", "8")) * 1024 * 1024
RUN = f"{int(time.time())}-{os.getpid()}"
OWNER, MEMBER, OUTSIDER = f"sdkA{os.getpid()}", f"sdkB{os.getpid()}", f"sdkC{os.getpid()}"

passed = failed = 0


def ok(name):
    global passed
    passed += 1
    print(f"PASS  {name}", flush=True)


def bad(name, why=""):
    global failed
    failed += 1
    why = " ".join(str(why).split())[:400]
    print(f"FAIL  {name}" + (f" -- {why}" if why else ""), flush=True)


def check(name, got, want):
    if got == want:
        ok(name)
    else:
        bad(name, f"got {got!r} want {want!r}")


def step(name, fn, /, *a, **kw):
    """Runs fn; PASS if it returns without raising. Returns its result, or None on failure."""
    try:
        r = fn(*a, **kw)
        ok(name)
        return r
    except Exception as e:  # the SDK raises many kinds; any of them is a failure of this step
        bad(name, f"{type(e).__name__}: {e}")
        return None


def refused(name, fn, /, *a, **kw):
    """PASS if fn raises an SDK HTTP error (4xx) instead of succeeding."""
    try:
        fn(*a, **kw)
        bad(name, "call succeeded")
    except exceptions.HttpException as e:
        if e.status_code is not None and 400 <= e.status_code < 500:
            ok(name)
        else:
            bad(name, f"HTTP {e.status_code}: {e}")
    except Exception as e:
        bad(name, f"{type(e).__name__}: {e}")


def connect(project):
    # admin_token = keystoneauth's token_endpoint plugin: a fixed token and endpoint, no catalog.
    return openstack.connect(
        auth_type="admin_token",
        auth={"endpoint": URL + "/v2", "token": f"{project}:member,reader"},
        load_yaml_config=False,
        load_envvars=False,
        api_timeout=120,
    )


def sha512_file(path):
    h = hashlib.sha512()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def sha512_stream(conn, image):
    resp = conn.image.download_image(image, stream=True)
    if resp.status_code != 200:
        raise RuntimeError(f"HTTP {resp.status_code}")
    h = hashlib.sha512()
    n = 0
    for chunk in resp.iter_content(chunk_size=1 << 20):
        h.update(chunk)
        n += len(chunk)
    return h.hexdigest(), n


def wait_status(conn, image_id, want, timeout=60):
    status = None
    end = time.time() + timeout
    while time.time() < end:
        status = conn.image.get_image(image_id).status
        if status == want or status in ("killed", "deleted"):
            return status
        time.sleep(0.5)
    return status


def visible_ids(conn, **query):
    return {i.id for i in conn.image.images(**query)}


def main():
    work = tempfile.mkdtemp(prefix="sdk-scn.")
    data = os.path.join(work, "data.bin")
    small = os.path.join(work, "small.bin")
    with open(data, "wb") as f:
        f.write(os.urandom(SIZE))
    with open(small, "wb") as f:
        f.write(os.urandom(3 * 1024 * 1024))
    sha, md5 = sha512_file(data), hashlib.md5(open(data, "rb").read()).hexdigest()
    small_sha = sha512_file(small)

    print(f"== openstacksdk {openstack.version.__version__} scenario against {URL} (owner={OWNER} member={MEMBER})")
    a, b, c = connect(OWNER), connect(MEMBER), connect(OUTSIDER)
    created = []

    # --- discovery ---------------------------------------------------------------------------
    step("sdk: list images", lambda: list(a.image.images()))
    # (Proxy.get_import_info() of openstacksdk 0.101 raises "requires an ID": read it raw)
    info = step("sdk: GET /v2/info/import", lambda: a.image.get("/info/import").json())
    methods = ((info or {}).get("import-methods") or {}).get("value") or []
    check("sdk: import methods include glance-direct", "glance-direct" in methods, True)
    stores = step("sdk: list stores", lambda: [s.id for s in a.image.stores()])
    check("sdk: a default store is listed", bool(stores), True)

    # --- create + upload (the SDK's create_image: POST, then PUT /file, checksum validated) ----
    img = step(
        f"sdk: create_image with {SIZE >> 20} MiB file (create + upload)",
        a.image.create_image,
        f"sdk-{RUN}",
        filename=data,
        disk_format="raw",
        container_format="bare",
        visibility="private",
        allow_duplicates=True,
        validate_checksum=True,
        tags=["sdk"],
        sdk_scenario=RUN,
    )
    if img is None:
        print(f"{passed} passed, {failed} failed (aborted: no image)")
        return 1
    created.append(img.id)
    shown = step("sdk: get_image", a.image.get_image, img.id)
    if shown is not None:
        check("sdk: status active after upload", shown.status, "active")
        check("sdk: size", shown.size, SIZE)
        check("sdk: checksum == md5", shown.checksum, md5)
        check("sdk: hash_algo == sha512", shown.hash_algo, "sha512")
        check("sdk: hash_value == sha512", shown.hash_value, sha)
        check("sdk: owner is the caller's project", shown.owner, OWNER)
        check("sdk: property kept", shown.properties.get("sdk_scenario") if shown.properties else None, RUN)
    check("sdk: image in owner's list", img.id in visible_ids(a), True)
    check("sdk: outsider cannot see private image", img.id in visible_ids(c), False)
    refused("sdk: outsider get_image refused", c.image.get_image, img.id)

    # --- download + sha512 --------------------------------------------------------------------
    r = step("sdk: download_image (stream) sha512", sha512_stream, a, img)
    if r is not None:
        check("sdk: streamed download sha512 matches", r[0], sha)
        check("sdk: streamed download length", r[1], SIZE)
    out = os.path.join(work, "dl.bin")
    # with output= the SDK verifies the MD5 itself (Content-MD5 header or the image checksum)
    step("sdk: download_image(output=file) md5-verified", a.image.download_image, img, output=out, stream=True)
    check("sdk: file download sha512 matches", sha512_file(out) if os.path.exists(out) else None, sha)
    if os.path.exists(out):
        os.unlink(out)

    # --- share: member create / accept / remove -------------------------------------------------
    step("sdk: update_image visibility=shared", a.image.update_image, img, visibility="shared")
    check("sdk: visibility is shared", a.image.get_image(img.id).visibility, "shared")
    m = step("sdk: add_member", a.image.add_member, img, member_id=MEMBER)
    if m is not None:
        check("sdk: new member is pending", m.status, "pending")
    check("sdk: pending member: image not in member's list", img.id in visible_ids(b), False)
    check("sdk: pending member: image listed with member_status=pending",
          img.id in visible_ids(b, member_status="pending"), True)
    mm = step("sdk: member accepts (update_member status=accepted)", b.image.update_member, MEMBER, img, status="accepted")
    if mm is not None:
        check("sdk: member status accepted", mm.status, "accepted")
    check("sdk: accepted member sees image in list", img.id in visible_ids(b), True)
    listed = step("sdk: owner lists members", lambda: [(x.member_id, x.status) for x in a.image.members(img)])
    check("sdk: members list shows accepted member", (MEMBER, "accepted") in (listed or []), True)
    r = step("sdk: member download sha512", sha512_stream, b, img.id)
    if r is not None:
        check("sdk: member download sha512 matches", r[0], sha)
    refused("sdk: member cannot modify image", b.image.update_image, img.id, name="hacked")
    refused("sdk: outsider cannot add itself as member", c.image.add_member, img.id, member_id=OUTSIDER)
    step("sdk: remove_member", a.image.remove_member, MEMBER, img, ignore_missing=False)
    check("sdk: removed member no longer sees image", img.id in visible_ids(b), False)

    # --- interoperable import: glance-direct (stage, then import) --------------------------------
    gd = step("sdk: create empty image for import", a.image.create_image, f"sdk-gd-{RUN}",
              disk_format="raw", container_format="bare", allow_duplicates=True)
    if gd is not None:
        created.append(gd.id)
        check("sdk: empty image is queued", a.image.get_image(gd.id).status, "queued")
        staged = step("sdk: stage_image (PUT /stage)", a.image.stage_image, gd, filename=small)
        if staged is not None:
            check("sdk: staged image is uploading", staged.status, "uploading")
        # Image.import_image() of the SDK does not look at the response: assert on the raw call.
        r = c.image.post(f"/images/{gd.id}/import", json={"method": {"name": "glance-direct"}}, raise_exc=False)
        check("sdk: outsider cannot import (4xx)", 400 <= r.status_code < 500, True)
        step("sdk: import_image glance-direct", a.image.import_image, a.image.get_image(gd.id), method="glance-direct")
        check("sdk: imported image becomes active", wait_status(a, gd.id, "active"), "active")
        got = a.image.get_image(gd.id)
        check("sdk: imported image sha512", got.hash_value, small_sha)
        check("sdk: imported image size", got.size, 3 * 1024 * 1024)
        r = step("sdk: imported image download sha512", sha512_stream, a, gd.id)
        if r is not None:
            check("sdk: imported image download matches", r[0], small_sha)

    # --- delete ----------------------------------------------------------------------------------
    refused("sdk: outsider cannot delete", c.image.delete_image, img.id, ignore_missing=False)
    for i in created:
        step(f"sdk: delete_image {i}", a.image.delete_image, i, ignore_missing=False)
    refused("sdk: get_image after delete -> not found", a.image.get_image, img.id)
    refused("sdk: delete again (ignore_missing=False) -> not found", a.image.delete_image, img.id, ignore_missing=False)
    check("sdk: deleted image gone from list", img.id in visible_ids(a), False)

    for p in (data, small):
        os.unlink(p)
    os.rmdir(work)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
