#!/usr/bin/env bash
# Measures how many bytes one image takes in D1 (CAPACITY.md, "Bytes per image").
# A local D1 database is created by wrangler from migrations/ (the same files `npm start` and the
# deploy apply), then for each scenario a copy of it receives N synthetic images with P properties,
# T tags, M members and one location each (sqlite3 CLI on the local D1 file; the on-disk format is
# SQLite's), and the growth of the file and of each table (dbstat) is divided by N.
#
#   bash scripts/measure-d1-rows.sh            # N=20000, every scenario (about a minute on 2 cores)
#   N=5000 bash scripts/measure-d1-rows.sh
#   KEEP=/tmp/images.sqlite bash scripts/measure-d1-rows.sh   # also keep the P=50 T=10 M=5 database
#
# Needs the sqlite3 CLI with dbstat (Debian's `sqlite3` package). Writes nothing in the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
export PATH="$PWD/node_modules/.bin:$PATH"
N=${N:-20000}
command -v sqlite3 >/dev/null || { echo "needs the sqlite3 CLI (apt-get install sqlite3)" >&2; exit 1; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
wrangler d1 migrations apply DB --local --persist-to "$WORK/state" >/dev/null
TEMPLATE=$(find "$WORK/state/v3/d1" -name '*.sqlite' ! -name metadata.sqlite | head -1)
sqlite3 "$TEMPLATE" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
EMPTY=$(stat -c %s "$TEMPLATE")

# One scenario: fresh copy of the migrated database, N images inserted in random id order (uuid4
# ids, as the service creates them), timestamps increasing, 1000 owner projects.
load() { # file P T M
  local f=$1 p=$2 t=$3 m=$4
  sqlite3 "$f" <<SQL
PRAGMA journal_mode=WAL;
CREATE TEMP TABLE projects AS
  WITH RECURSIVE s(k) AS (SELECT 0 UNION ALL SELECT k+1 FROM s WHERE k < 999)
  SELECT k, lower(hex(randomblob(16))) AS pid FROM s;
CREATE TEMP TABLE seq AS
  WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM s WHERE i < $N),
  h AS (SELECT i, lower(hex(randomblob(16))) AS x, lower(hex(randomblob(16))) AS y FROM s)
  SELECT i,
    substr(x,1,8)||'-'||substr(x,9,4)||'-4'||substr(x,14,3)||'-a'||substr(x,18,3)||'-'||substr(x,21,12) AS id,
    substr(y,1,8)||'-'||substr(y,9,4)||'-4'||substr(y,14,3)||'-a'||substr(y,18,3)||'-'||substr(y,21,12) AS upload,
    strftime('%Y-%m-%dT%H:%M:%SZ', 1767225600 + i * 37, 'unixepoch') AS ts
  FROM h;
-- Property names and values: 10 usual ones (hw_*, os_*, and the two checksums openstacksdk adds),
-- then custom ones with values shared by many images.
CREATE TEMP TABLE props(n INTEGER, name TEXT, val TEXT);
INSERT INTO props VALUES
  (1,'hw_disk_bus','virtio'), (2,'hw_vif_model','virtio'), (3,'hw_qemu_guest_agent','yes'),
  (4,'hw_machine_type','q35'), (5,'hw_firmware_type','uefi'), (6,'os_distro','ubuntu'),
  (7,'os_version','24.04'), (8,'os_type','linux'),
  (9,'owner_specified.openstack.md5',NULL), (10,'owner_specified.openstack.sha256',NULL);
INSERT INTO props WITH RECURSIVE s(n) AS (SELECT 11 UNION ALL SELECT n+1 FROM s WHERE n < 50)
  SELECT n, printf('custom_property_%02d', n), NULL FROM s;
BEGIN;
INSERT INTO images (id, name, disk_format, container_format, size, virtual_size, status, visibility,
    checksum, os_hash_algo, os_hash_value, min_disk, min_ram, owner, protected, os_hidden,
    created_at, updated_at, deleted, deleted_at, version)
  SELECT id, printf('ubuntu-24.04-server-cloudimg-amd64-%06d', i), 'qcow2', 'bare',
    2684354560 + i, 10737418240, 'active',
    CASE i % 10 WHEN 0 THEN 'public' WHEN 1 THEN 'community' WHEN 2 THEN 'private' ELSE 'shared' END,
    lower(hex(randomblob(16))), 'sha512', lower(hex(randomblob(64))), 10, 1024,
    (SELECT pid FROM projects WHERE k = i % 1000), 0, 0, ts, ts, 0, NULL,
    1 + abs(random()) % 4503599627370496
  FROM seq ORDER BY i;
INSERT INTO image_locations (image_id, store, key, status, created_at, updated_at)
  SELECT id, 'store1', 'images/' || id || '/' || upload, 'active', ts, ts FROM seq;
INSERT INTO image_properties (image_id, name, value)
  SELECT seq.id, props.name,
    CASE props.n WHEN 9 THEN lower(hex(randomblob(16))) WHEN 10 THEN lower(hex(randomblob(32)))
      ELSE coalesce(props.val, 'value-' || ((seq.i + props.n) % 1000)) END
  FROM seq JOIN props ON props.n <= $p ORDER BY seq.i, props.n;
INSERT INTO image_tags (image_id, value)
  WITH RECURSIVE t(k) AS (SELECT 1 UNION ALL SELECT k+1 FROM t WHERE k < $t)
  SELECT seq.id, printf('tag-%02d', t.k) FROM seq JOIN t WHERE $t > 0 ORDER BY seq.i, t.k;
INSERT INTO image_members (image_id, member, status, can_share, created_at, updated_at)
  WITH RECURSIVE mm(k) AS (SELECT 1 UNION ALL SELECT k+1 FROM mm WHERE k < $m)
  SELECT seq.id, (SELECT pid FROM projects WHERE projects.k = (seq.i + 7 * mm.k) % 1000),
    'accepted', 0, seq.ts, seq.ts
  FROM seq JOIN mm WHERE $m > 0 ORDER BY seq.i, mm.k;
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
}

# Bytes per image for each table (table + its indexes), from dbstat, minus the empty database's.
per_table() { # file
  sqlite3 -separator ' ' "$1" "
    SELECT m.tbl_name, SUM(d.pgsize) FROM dbstat d JOIN sqlite_master m ON m.name = d.name
    WHERE m.tbl_name IN ('images','image_properties','image_tags','image_members','image_locations')
    GROUP BY m.tbl_name ORDER BY m.tbl_name;"
}

declare -A BASE
while read -r name bytes; do BASE[$name]=$bytes; done < <(per_table "$TEMPLATE")

printf '%-22s %12s %12s | %s\n' "scenario (N=$N)" "B/image" "vacuumed" "per table, B/image as inserted (images, locations, properties, tags, members)"
for scenario in "0 0 0" "10 0 0" "50 0 0" "0 10 0" "0 0 5" "10 10 5" "50 10 5"; do
  read -r P T M <<<"$scenario"
  f="$WORK/p${P}t${T}m${M}.sqlite"
  cp "$TEMPLATE" "$f"
  load "$f" "$P" "$T" "$M" >/dev/null
  size=$(stat -c %s "$f")
  declare -A NOW=()
  while read -r name bytes; do NOW[$name]=$bytes; done < <(per_table "$f")
  parts=""
  for tbl in images image_locations image_properties image_tags image_members; do
    parts+=" $(( (NOW[$tbl] - BASE[$tbl]) / N ))"
  done
  sqlite3 "$f" 'VACUUM;'
  vac=$(stat -c %s "$f")
  printf '%-22s %12d %12d |%s\n' "P=$P T=$T M=$M" $(( (size - EMPTY) / N )) $(( (vac - EMPTY) / N )) "$parts"
  rm -f "$f"
done
# Index detail for the heaviest scenario: which index costs what (B/image).
f="$WORK/detail.sqlite"; cp "$TEMPLATE" "$f"; load "$f" 50 10 5 >/dev/null
echo "per index, P=50 T=10 M=5 (B/image):"
sqlite3 -separator ' ' "$f" "SELECT d.name, SUM(d.pgsize) / $N FROM dbstat d JOIN sqlite_master m ON m.name = d.name
  WHERE m.tbl_name IN ('images','image_properties','image_tags','image_members','image_locations')
  GROUP BY d.name ORDER BY SUM(d.pgsize) DESC;" | sed 's/^/  /'
# The same file opened by D1 itself (local): the rows are readable through the D1 binding path.
[[ -n ${KEEP:-} ]] && cp "$f" "$KEEP" && echo "kept the P=50 T=10 M=5 database as $KEEP"
echo "empty migrated database: $EMPTY bytes; D1 reads the loaded file:"
rm -f "$TEMPLATE-wal" "$TEMPLATE-shm"; cp "$f" "$TEMPLATE"
WRANGLER_LOG=log wrangler d1 execute DB --local --persist-to "$WORK/state" --json \
  --command "SELECT (SELECT count(*) FROM images) AS images, (SELECT count(*) FROM image_properties) AS properties" |
  tr -d ' \n' | grep -o '"results":\[[^]]*\]'
echo
