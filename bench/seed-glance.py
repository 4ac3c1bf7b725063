#!/usr/bin/python3
"""Seeds N images straight into the reference Glance's SQLite database (the API is too slow for 100k).

usage: seed-glance.py GLANCE_SQLITE N OWNER

Rows mirror what bench/run.sh seeds into our D1 (bench/run.sh seed_ours) and what an API create
of {"name", "disk_format": "raw", "container_format": "bare", "tags": ["bench"], "bench_prop"}
stores: a queued image, visibility shared (Glance's default), one property and one tag.
Ids are version-4-shaped UUIDs derived from the row number; created_at is one second apart.
"""
import sqlite3
import sys

db, n, owner = sys.argv[1], int(sys.argv[2]), sys.argv[3]
con = sqlite3.connect(db, timeout=60)
ts = "strftime('%Y-%m-%d %H:%M:%S', 1700000000 + i, 'unixepoch') || '.000000'"
with con:
    con.execute(
        f"""WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
        INSERT INTO images (id, name, size, status, created_at, updated_at, deleted, disk_format,
                            container_format, owner, min_disk, min_ram, protected, visibility, os_hidden)
        SELECT printf('%08x-0000-4000-8000-%012x', i, i), 'bench-big-' || i, NULL, 'queued', {ts}, {ts}, 0,
               'raw', 'bare', ?, 0, 0, 0, 'shared', 0
        FROM n""",
        (n, owner),
    )
    con.execute(
        """INSERT INTO image_properties (image_id, name, value, created_at, updated_at, deleted)
        SELECT id, 'bench_prop', 'v' || substr(name, 11), created_at, updated_at, 0 FROM images WHERE owner = ?""",
        (owner,),
    )
    con.execute(
        """INSERT INTO image_tags (image_id, value, created_at, updated_at, deleted)
        SELECT id, 'bench', created_at, updated_at, 0 FROM images WHERE owner = ?""",
        (owner,),
    )
print(con.execute("SELECT count(*) FROM images WHERE owner = ? AND deleted = 0", (owner,)).fetchone()[0])
con.close()
