#!/usr/bin/env bash
# Secrets end to end (issue #6) through `outlayer dev` (keystore + coordinator + worker) and the
# client commands: the owner keys dev writes and registers, `outlayer secrets put` (encrypted on
# the client, signed by the owner) with a generated PROTECTED_ value, calls with secrets_ref that
# see the secrets, access conditions (a caller outside a Whitelist fails with access_denied and
# pays only the base fee), no secrets for another project or another owner, reserved names
# refused by the CLI and by the server, replayed and wrongly signed requests refused, updates
# that keep or protect PROTECTED_ values, list and delete, and finally that no log and no
# database file holds the plaintext marker value.
#
# The guest (test_secrets_guest.c) prints its environment with every value reversed, so the
# marker never appears in a stored output either.
#
# usage: secrets_test.sh OUTLAYER SECRETS_GUEST_WASM EXAMPLES_DIR [NODE]
# NODE (>= 20) runs secrets_raw_put.mjs, a client without the CLI's checks, to reach the
# server's; without it that part is a loud SKIP (a failure under CI=true).
HERE=$(cd "$(dirname "$0")" && pwd)
NODE=${4:-}
[ -x "$NODE" ] || NODE=$(command -v node || true)
. "$HERE/platform_lib.sh"

DEV="$TMP/dev"
IN="$TMP/in" # files holding plaintext; removed before the final search
mkdir -p "$IN"
MARKER="mk$(rand_hex)"
rev_of() { printf '%s' "$1" | rev; }

# ---- outlayer dev ------------------------------------------------------------------------
OUTLAYER_LOG_LEVEL=debug "$OL" dev --data-dir="$DEV" --port=0 --workers=1 \
    --worker-concurrency=2 --owners=alice.near,bob.near >"$TMP/dev.out" 2>"$TMP/dev.log" &
DEV_PID=$!
PIDS+=("$DEV_PID")
if ! wait_until 60 grep -qx ready "$TMP/dev.out"; then
    bad "dev ready" "$(cat "$TMP/dev.out")"
    finish
    exit 1
fi
ok "dev ready"
set -a
. "$DEV/dev.env"
set +a
URL=$OUTLAYER_URL
ADMIN_TOKEN=$OUTLAYER_ADMIN_TOKEN
check_eq "dev.env names the data dir" "$OUTLAYER_DATA_DIR" "$(realpath "$DEV")"
check_eq "owner key file 0600" "$(stat -c %a "$DEV/keys/alice.near.json")" 600
check_eq "coordinator key file 0600" "$(stat -c %a "$DEV/coordinator-key.json")" 600
check_eq "keystore master 0600" "$(stat -c %a "$DEV/keystore-master.key")" 600
check_eq "owner key file: account" "$(jq -r .account_id "$DEV/keys/alice.near.json")" alice.near
ALICE_PK=$(jq -r .public_key "$DEV/keys/alice.near.json")
out=$("$OL" owners list --owner alice.near)
check_eq "dev registered alice's key" "$(jq -r '[.owners[].public_key] | join(",")' <<<"$out")" \
    "$ALICE_PK"
check_eq "coordinator public key" "$(curl -s "$URL/coordinator/public-key" | jq -r .public_key)" \
    "$(jq -r .public_key "$DEV/coordinator-key.json")"

# ---- projects and keys -------------------------------------------------------------------
"$OL" project create alice.near/sec --wasm "$GUEST" >/dev/null
"$OL" project create alice.near/other --wasm "$GUEST" >/dev/null
"$OL" project create bob.near/sec --wasm "$GUEST" >/dev/null
"$OL" project create alice.near/env --wasm "$EXAMPLES/env.wasm" >/dev/null
BOB=$(new_key bob.near 10000000)
CAROL=$(new_key carol.near 10000000)

# ---- put ---------------------------------------------------------------------------------
printf '{"API_KEY":"%s","SEED":"generate_outlayer_secret:hex32"}' "$MARKER" >"$IN/default.json"
out=$("$OL" secrets put alice.near/sec --owner alice.near --profile default \
    --data "@$IN/default.json")
check_eq "put: exit 0" "$?" 0
check_eq "put: created" "$(jq -r .created <<<"$out")" true
check_eq "put: version" "$(jq -r .version <<<"$out")" 1
check_eq "put: names" "$(jq -r '.keys | sort | join(",")' <<<"$out")" "API_KEY,PROTECTED_SEED"
check "put: generated PROTECTED_SEED" jq -e '.generated | index("PROTECTED_SEED")' <<<"$out"
check "put: no value in the answer" test "$(grep -cF "$MARKER" <<<"$out")" = 0
# The restricted profile comes from standard input.
printf '{"API_KEY":"%s"}' "$MARKER" |
    "$OL" secrets put alice.near/sec --owner alice.near --profile restricted --data - \
        --access '{"Whitelist":{"accounts":["bob.near"]}}' >"$TMP/put2.out"
check_eq "put from stdin with a Whitelist" "$?" 0
"$OL" secrets put alice.near/env --owner alice.near --profile default \
    --data "@$IN/default.json" >/dev/null
check_eq "put for the env example" "$?" 0

# ---- calls with secrets_ref --------------------------------------------------------------
ref() { printf '{"input":{},"secrets_ref":{"profile":"%s","account_id":"%s"}}' "$1" "$2"; }
env_of() { # env_of KEY PROJECT PROFILE OWNER: the guest's env object (values reversed)
    call_raw "$1" "$2" "$(ref "$3" "$4")" | cut -d' ' -f2- |
        jq -c 'if .status == "completed" then .output.env else {call: .} end'
}
no_secrets() { # no_secrets NAME ENV_JSON: the run completed and saw no API_KEY
    if [ "$(jq -r '(.API_KEY == null) and (.NEAR_SENDER_ID != null)' <<<"$2")" = true ]; then
        ok "$1"
    else
        bad "$1" "$(head -c 400 <<<"$2")"
    fi
}
envj=$(env_of "$BOB" alice.near/sec default alice.near)
check_eq "call sees the secret" "$(rev_of "$(jq -r .API_KEY <<<"$envj")")" "$MARKER"
SEED=$(rev_of "$(jq -r .PROTECTED_SEED <<<"$envj")")
check "call sees PROTECTED_SEED as 64 hex" grep -Eqx '[0-9a-f]{64}' <<<"$SEED"
check_eq "system variables still set" "$(rev_of "$(jq -r .NEAR_SENDER_ID <<<"$envj")")" bob.near
r=$("$OL" call alice.near/sec --key "$BOB" --input '{}' --secrets-profile default \
    --secrets-owner alice.near)
check_eq "outlayer call --secrets-profile: the guest sees the secret" \
    "$(rev_of "$(jq -r .output.env.API_KEY <<<"$r")")" "$MARKER"
envj=$(env_of "$BOB" alice.near/sec restricted alice.near)
check_eq "whitelisted caller sees the secret" "$(rev_of "$(jq -r .API_KEY <<<"$envj")")" \
    "$MARKER"
envj=$(env_of "$BOB" alice.near/sec missing alice.near)
no_secrets "missing profile: runs without secrets" "$envj"
envj=$(env_of "$BOB" alice.near/other default alice.near)
no_secrets "another project: no secrets" "$envj"
envj=$(env_of "$BOB" bob.near/sec default alice.near)
no_secrets "another owner's project: no secrets" "$envj"
envj=$(env_of "$BOB" alice.near/sec default carol.near)
no_secrets "another owner: no secrets" "$envj"
r=$(call_raw "$BOB" alice.near/env "$(ref default alice.near)" | cut -d' ' -f2-)
check_eq "env example with secrets: completed" "$(jq -r .status <<<"$r")" completed
check_eq "env example prints only system variables" \
    "$(jq -r '.output | has("API_KEY") or has("PROTECTED_SEED")' <<<"$r")" false
check_eq "env example: sender" "$(jq -r .output.NEAR_SENDER_ID <<<"$r")" bob.near

# A caller outside the Whitelist: access_denied, charged the base fee only.
before=$(balance "$CAROL" spent)
r=$(call_raw "$CAROL" alice.near/sec "$(ref restricted alice.near)" | cut -d' ' -f2-)
check_eq "not whitelisted: failed" "$(jq -r .status <<<"$r")" failed
check_eq "not whitelisted: access_denied" "$(jq -r .error_code <<<"$r")" access_denied
check "not whitelisted: no value in the answer" test "$(grep -cF "$MARKER" <<<"$r")" = 0
check_eq "access_denied: charged the base fee" "$(($(balance "$CAROL" spent) - before))" 100
check_eq "access_denied: nothing reserved" "$(balance "$CAROL" reserved)" 0

# ---- reserved names ------------------------------------------------------------------------
"$OL" secrets put alice.near/sec --owner alice.near --data '{"NEAR_SENDER_ID":"x"}' \
    >/dev/null 2>"$TMP/err"
check_eq "CLI refuses a reserved name: exit 1" "$?" 1
check "CLI names the reserved name" grep -q NEAR_SENDER_ID "$TMP/err"
"$OL" secrets put alice.near/sec --owner alice.near --data '{"PROTECTED_X":"x"}' \
    >/dev/null 2>"$TMP/err"
check_eq "CLI refuses a PROTECTED_ name" "$?" 1
body='{"accessor":{"Project":{"project_id":"alice.near/sec"}},"owner":"alice.near","secrets_json":"{\"OUTLAYER_CALL_ID\":\"x\"}"}'
st=$(curl -s -o "$TMP/e.out" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    "$URL/secrets/pubkey" -d "$body")
check_eq "server refuses a reserved name: 400" "$st" 400
check "server names the reserved name" grep -q OUTLAYER_CALL_ID "$TMP/e.out"
if [ -n "$NODE" ] && "$NODE" -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)'; then
    raw_put() { "$NODE" "$HERE/secrets_raw_put.mjs" "$URL" "$DEV/keys/alice.near.json" \
        alice.near alice.near/sec raw "$1"; }
    r=$(raw_put '{"OTHER":"v"}')
    check_eq "a client without the CLI: accepted" "${r%% *}" 200
    r=$(raw_put '{"NEAR_SENDER_ID":"x"}')
    check_eq "server refuses a reserved name inside the ciphertext: 400" "${r%% *}" 400
    check "server: invalid_secrets" grep -q '"invalid_secrets"' <<<"$r"
    check "server: names the secret" grep -q NEAR_SENDER_ID <<<"$r"
    r=$(raw_put '{"PROTECTED_X":"x"}')
    check_eq "server refuses a PROTECTED_ name inside the ciphertext: 400" "${r%% *}" 400
    "$OL" secrets delete alice.near/sec --owner alice.near --profile raw >/dev/null
elif [ "${CI:-}" = true ]; then
    bad "Node >= 20 is required under CI (server-side reserved-name check)"
else
    echo "SKIP: server-side reserved-name check inside a ciphertext needs Node >= 20"
fi

# ---- owner signatures ----------------------------------------------------------------------
"$OL" secrets list --owner alice.near --sign-only >"$TMP/req.json"
replay() {
    curl -s -o "$TMP/e.out" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
        "$URL$(jq -r .path "$TMP/req.json")" -d "$(jq -c "(${1:-.}) | .body" "$TMP/req.json")"
}
check_eq "signed request accepted" "$(replay)" 200
check_eq "replayed request refused" "$(replay)" 401
check_eq "replay: unauthorized" "$(jq -r .code "$TMP/e.out")" unauthorized
"$OL" secrets list --owner alice.near --sign-only >"$TMP/req.json"
check_eq "tampered request refused" "$(replay '.body.owner = "bob.near"')" 401
"$OL" near keygen --account-id carol.near --out "$TMP/carol.json" >/dev/null
"$OL" secrets list --owner carol.near --key-file "$TMP/carol.json" >/dev/null 2>"$TMP/err"
check_eq "unregistered key refused" "$?" 1
check "unregistered key: unauthorized" grep -q unauthorized "$TMP/err"
"$OL" secrets list --owner bob.near --key-file "$DEV/keys/alice.near.json" >/dev/null 2>"$TMP/err"
check_eq "key file of another account refused by the CLI" "$?" 1
"$OL" secrets list --owner carol.near --data-dir "$TMP/nowhere" >/dev/null 2>"$TMP/err"
check_eq "no key file: exit 1" "$?" 1
check "no key file: says where it looked" grep -q "nowhere/keys/carol.near.json" "$TMP/err"
# bob's own key works for bob and sees nothing of alice's.
out=$("$OL" secrets list --owner bob.near)
check_eq "bob lists no secrets" "$(jq -r '.secrets | length' <<<"$out")" 0

# ---- updates -----------------------------------------------------------------------------------
printf '{"API_KEY":"%s"}' "$MARKER" >"$IN/update.json"
out=$("$OL" secrets put alice.near/sec --owner alice.near --profile default \
    --data "@$IN/update.json")
check_eq "update: version 2" "$(jq -r .version <<<"$out")" 2
check_eq "update: created false" "$(jq -r .created <<<"$out")" false
check "update: PROTECTED_SEED preserved" jq -e '.preserved | index("PROTECTED_SEED")' <<<"$out"
envj=$(env_of "$BOB" alice.near/sec default alice.near)
check_eq "update: same PROTECTED_SEED" "$(rev_of "$(jq -r .PROTECTED_SEED <<<"$envj")")" "$SEED"
"$OL" secrets put alice.near/sec --owner alice.near --profile default \
    --data "@$IN/default.json" >/dev/null 2>"$TMP/err"
check_eq "regenerating PROTECTED_SEED refused" "$?" 1
check "regenerating: conflict" grep -q conflict "$TMP/err"
out=$("$OL" secrets put alice.near/sec --owner alice.near --profile default \
    --data "@$IN/default.json" --replace-protected)
check_eq "regenerating with --replace-protected" "$(jq -r .version <<<"$out")" 3
envj=$(env_of "$BOB" alice.near/sec default alice.near)
check "regenerated PROTECTED_SEED differs" test \
    "$(rev_of "$(jq -r .PROTECTED_SEED <<<"$envj")")" != "$SEED"

# ---- list and delete ----------------------------------------------------------------------------
out=$("$OL" secrets list --owner alice.near)
check_eq "list" "$(jq -r '[.secrets[] | "\(.accessor.Project.project_id)/\(.profile)"] | sort |
    join(",")' <<<"$out")" "alice.near/env/default,alice.near/sec/default,alice.near/sec/restricted"
check_eq "list: access" "$(jq -c '.secrets[] | select(.profile == "restricted") | .access' \
    <<<"$out")" '{"Whitelist":{"accounts":["bob.near"]}}'
check "list: no value" test "$(grep -cF "$MARKER" <<<"$out")" = 0
out=$("$OL" secrets delete alice.near/sec --owner alice.near --profile restricted)
check_eq "delete" "$(jq -r .deleted <<<"$out")" true
"$OL" secrets delete alice.near/sec --owner alice.near --profile restricted >/dev/null 2>"$TMP/err"
check_eq "delete again: exit 1" "$?" 1
check "delete again: not_found" grep -q not_found "$TMP/err"
check_eq "list after delete" "$("$OL" secrets list --owner alice.near | jq '.secrets | length')" 2
envj=$(env_of "$BOB" alice.near/sec restricted alice.near)
no_secrets "deleted profile: no secrets" "$envj"

# ---- owners (admin) -------------------------------------------------------------------------------
CAROL_PK=$(jq -r .public_key "$TMP/carol.json")
"$OL" owners add carol.near --public-key "$CAROL_PK" >/dev/null
check_eq "owners add" "$?" 0
"$OL" owners add carol.near --public-key "$CAROL_PK" >/dev/null 2>&1
check_eq "owners add twice: exit 1" "$?" 1
out=$("$OL" secrets list --owner carol.near --key-file "$TMP/carol.json")
check_eq "a registered key signs" "$(jq -r '.secrets | length' <<<"$out")" 0
"$OL" owners remove carol.near --public-key "$CAROL_PK" >/dev/null
check_eq "owners remove" "$?" 0
"$OL" secrets list --owner carol.near --key-file "$TMP/carol.json" >/dev/null 2>&1
check_eq "a removed key no longer signs" "$?" 1
"$OL" owners add carol.near --public-key nonsense >/dev/null 2>"$TMP/err"
check_eq "owners add: bad key is a usage error" "$?" 2

# ---- no plaintext anywhere ------------------------------------------------------------------------
rm -rf "$IN"
leaks() { # files under the given paths that contain the marker
    grep -rlaF "$MARKER" "$@" 2>/dev/null
}
check_eq "no marker in files while running" "$(leaks "$DEV" "$TMP"/*.log "$TMP"/*.out)" ""
children=$(sed -n 's/.*started .* (pid \([0-9]*\)).*/\1/p' "$TMP/dev.log")
stop_pid "$DEV_PID" INT 30
check_eq "dev exits 0 on SIGINT" "$?" 0
alive=0
for p in $children; do kill -0 "$p" 2>/dev/null && alive=$((alive + 1)); done
check_eq "no child left" "$alive" 0
check_eq "every child exited 0" "$(grep -c 'stopped .* (exit status 0)' "$TMP/dev.log")" 3
check "the database was searched" test -s "$DEV/outlayer.db"
check_eq "no marker in any log or database file" "$(leaks "$DEV" "$TMP"/*.log "$TMP"/*.out)" ""

finish
