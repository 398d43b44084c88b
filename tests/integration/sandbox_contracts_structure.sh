#!/usr/bin/env bash
# Structural checks of the SDK's test contracts, without a chain: each one decodes and
# validates with our engine (`outlayer wasm validate`), imports only functions of module "env"
# that contract/sdk/near.h declares, defines its memory (never imports it) and exports only
# "memory" and methods of type [] -> [].
#
# usage: sandbox_contracts_structure.sh OUTLAYER CONTRACTS_DIR NEAR_H
set -u

outlayer=$1
dir=$2
near_h=$3
passed=0
failed=0

fail() {
    failed=$((failed + 1))
    echo "FAIL: $1"
}

# The import names near.h declares: NEAR_IMPORT(name) and import_name("name").
declared=$(grep -oE 'NEAR_IMPORT\([a-z0-9_]+\)|import_name\("[a-z0-9_]+"\)' "$near_h" |
    sed -E 's/NEAR_IMPORT\(([a-z0-9_]+)\)/\1/; s/import_name\("([a-z0-9_]+)"\)/\1/' | sort -u)

shopt -s nullglob
files=("$dir"/*.wasm)
if [ ${#files[@]} -eq 0 ]; then
    echo "FAIL: no contracts in $dir"
    exit 1
fi
for f in "${files[@]}"; do
    name=$(basename "$f")
    ok=1
    if ! out=$("$outlayer" wasm validate "$f" 2>&1); then
        fail "$name: validate: $out"
        continue
    fi
    info=$("$outlayer" wasm info "$f") || { fail "$name: info"; continue; }
    while IFS= read -r line; do
        case "$line" in
        imports:* | exports:* | functions:*) continue ;;
        esac
        if [[ $line =~ ^\ +\"([^\"]*)\"\ \"([^\"]*)\":\ (.*)$ ]]; then # an import
            mod=${BASH_REMATCH[1]} field=${BASH_REMATCH[2]} kind=${BASH_REMATCH[3]}
            if [ "$mod" != env ]; then
                fail "$name: import from module '$mod' ($field)"
                ok=0
            elif [[ $kind != func* ]]; then
                fail "$name: imports a non-function: $field: $kind"
                ok=0
            elif ! grep -qx -- "$field" <<<"$declared"; then
                fail "$name: imports env.$field, which near.h does not declare"
                ok=0
            fi
        elif [[ $line =~ ^\ +\"([^\"]*)\":\ (.*)$ ]]; then # an export
            field=${BASH_REMATCH[1]} kind=${BASH_REMATCH[2]}
            if [ "$field" = memory ]; then
                [[ $kind == memory* ]] || { fail "$name: export memory is $kind"; ok=0; }
            elif [ "$kind" != func ]; then
                fail "$name: export $field is not a method [] -> []: $kind"
                ok=0
            fi
        fi
    done <<<"$info"
    if ! grep -qE '^ +"memory": memory' <<<"$info"; then
        fail "$name: no exported memory of its own"
        ok=0
    fi
    if [ $ok = 1 ]; then
        passed=$((passed + 1))
        echo "ok: $name"
    fi
done
echo "$passed passed, $failed failed"
[ $failed = 0 ]
