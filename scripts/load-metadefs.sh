#!/usr/bin/env bash
# Loads a directory of Glance-format metadef JSON files (e.g. /etc/glance/metadefs) into the
# catalog's D1 database, like `glance-manage db_load_metadefs`. Idempotent: run it again and
# nothing changes. A malformed file stops the load before anything is written.
#
#   scripts/load-metadefs.sh [--local | --remote] [--persist-to DIR] [--env NAME]
#                            [--merge | --prefer-new | --overwrite] [--sql-only] <dir-or-file>
#
# --local (default) writes to the local D1 that `npm start` serves (PERSIST_DIR, default
# .wrangler/state; migrations are applied first, as start.sh does). --remote writes to the
# deployed database (its migrations must already be applied). --sql-only prints the SQL.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

TARGET=--local
PERSIST=${PERSIST_DIR:-.wrangler/state}
GEN=()
WRANGLER_ENV=()
SQL_ONLY=0
SRC=""
while (($#)); do
  case $1 in
    --local | --remote) TARGET=$1 ;;
    --persist-to) PERSIST=$2; shift ;;
    --env) WRANGLER_ENV=(--env "$2"); shift ;;
    --merge | --prefer-new | --overwrite) GEN+=("$1") ;;
    --sql-only) SQL_ONLY=1 ;;
    -h | --help) sed -n '2,13p' "$0"; exit 0 ;;
    -*) echo "load-metadefs: unknown option $1" >&2; exit 2 ;;
    *) [[ -z $SRC ]] || { echo "load-metadefs: one directory or file, please" >&2; exit 2; }; SRC=$1 ;;
  esac
  shift
done
[[ -n $SRC ]] || { echo "usage: scripts/load-metadefs.sh [options] <dir-or-file> (--help)" >&2; exit 2; }

SQL=$(mktemp /tmp/load-metadefs.XXXXXX.sql)
trap 'rm -f "$SQL"' EXIT
npx tsx scripts/load-metadefs.cli.ts "${GEN[@]}" "$SRC" >"$SQL"
if ((SQL_ONLY)); then cat "$SQL"; exit 0; fi

if [[ $TARGET == --local ]]; then
  npx wrangler d1 migrations apply DB --local --persist-to "$PERSIST" "${WRANGLER_ENV[@]}" >/dev/null
  npx wrangler d1 execute DB --local --persist-to "$PERSIST" "${WRANGLER_ENV[@]}" --file "$SQL" >/dev/null
  echo "load-metadefs: loaded into the local D1 at $PERSIST" >&2
else
  npx wrangler d1 execute DB --remote "${WRANGLER_ENV[@]}" --file "$SQL" --yes >/dev/null
  echo "load-metadefs: loaded into the remote D1" >&2
fi
