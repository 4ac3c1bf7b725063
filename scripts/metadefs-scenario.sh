#!/usr/bin/env bash
# The glance CLI's metadefs commands (issue 8) against an endpoint; prints `N passed, N failed`.
# usage: metadefs-scenario.sh http://127.0.0.1:9292
set -u
URL=${1:?usage: $0 ENDPOINT_URL}; URL=${URL%/}
AT=${ADMIN_TOKEN:-admin:admin,member,reader}
RT=${READER_TOKEN:-mdother$$:member,reader}
NS=ci_md_ns_$$
W=$(mktemp -d /tmp/md-scn.XXXXXX); trap 'rm -rf "$W"' EXIT
mkdir -p "$W/home/.glanceclient"
PASS=0; FAIL=0
G() { local tok=$1; shift; HOME=$W/home glance --os-image-url "$URL" --os-auth-token "$tok" "$@" <&-; }
ok() { PASS=$((PASS+1)); echo "PASS  $1"; }
bad() { FAIL=$((FAIL+1)); echo "FAIL  $1${2:+ -- $2}"; }
step() { local n=$1; shift; if "$@" >"$W/last" 2>&1; then ok "$n"; else bad "$n" "$(tail -c 300 "$W/last" | tr '\n' ' ')"; fi; }
has() { if grep -q -- "$2" "$W/last"; then ok "$1"; else bad "$1" "'$2' not in output"; fi; }

step "md-namespace-create" G "$AT" md-namespace-create "$NS" --display-name "CI namespace" --description "made by .ci" --visibility public
has "md-namespace-create prints the namespace" "$NS"
step "md-namespace-list" G "$AT" md-namespace-list
has "md-namespace-list shows it" "$NS"
step "md-property-create" G "$AT" md-property-create "$NS" --name ci_prop --title "CI property" --schema '{"type": "string", "enum": ["a", "b"]}'
step "md-object-create" G "$AT" md-object-create "$NS" --name ci_object --schema '{"description": "an object", "properties": {"ci_obj_prop": {"type": "integer", "title": "n"}}}'
step "md-resource-type-associate" G "$AT" md-resource-type-associate "$NS" --name OS::Glance::Image --prefix ci_
step "md-tag-create" G "$AT" md-tag-create "$NS" --name ci_tag
step "md-namespace-show" G "$AT" md-namespace-show "$NS"
has "md-namespace-show lists the property" "ci_prop"
has "md-namespace-show lists the object" "ci_object"
has "md-namespace-show lists the tag" "ci_tag"
has "md-namespace-show lists the association" "OS::Glance::Image"
step "md-namespace-show --resource-type prefixes properties" G "$AT" md-namespace-show "$NS" --resource-type OS::Glance::Image
has "prefixed property name" "ci_ci_prop"
step "another project can read a public namespace" G "$RT" md-namespace-show "$NS"
if G "$RT" md-tag-create "$NS" --name nope >"$W/last" 2>&1; then bad "another project cannot write (403)"; else ok "another project cannot write (403)"; fi
step "md-namespace-delete" G "$AT" md-namespace-delete "$NS"
if G "$AT" md-namespace-show "$NS" >"$W/last" 2>&1; then bad "deleted namespace is gone"; else ok "deleted namespace is gone"; fi
echo "$PASS passed, $FAIL failed"
[[ $FAIL -eq 0 ]]
