#!/usr/bin/env bash
# Runs the offline `outlayer near` commands of the real binary against the reference vectors of
# near-protocol.md (V1 transfer, V5 NEP-413, V6 NEP-366, V9 keys), their round trips
# (sign-tx -> decode-tx, sign-message -> verify-message, keygen -> key file -> public-key), and
# their errors: exit status 1 for bad input, 2 for a wrong command line, nothing on stdout then,
# and never a secret key in a message.
#
# usage: near_cli_test.sh OUTLAYER
set -u

outlayer=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0
out=
err=
rc=

# run CMD...: captures stdout, stderr and the exit status of one command.
run() {
    "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    out=$(cat "$tmp/out")
    err=$(cat "$tmp/err")
}

# run_in INPUT CMD...: the same with INPUT on standard input.
run_in() {
    local input=$1
    shift
    printf '%s\n' "$input" | "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    out=$(cat "$tmp/out")
    err=$(cat "$tmp/err")
}

fail() {
    failed=$((failed + 1))
    echo "FAIL: $1"
    echo "  command status: $rc"
    echo "  stdout: $(printf '%s' "$out" | head -c 2000)"
    echo "  stderr: $(printf '%s' "$err" | head -c 2000)"
}

pass() {
    passed=$((passed + 1))
    echo "ok: $1"
}

check() { # check NAME CONDITION...
    local name=$1
    shift
    if "$@"; then
        pass "$name"
    else
        fail "$name"
    fi
}

has() { # has TEXT PATTERN: fixed-string search
    printf '%s\n' "$1" | grep -qF -- "$2"
}

# field NAME: the string value of a top-level member in $out ("name": "value" on one line).
field() {
    printf '%s\n' "$out" | sed -n "s/^  \"$1\": \"\\(.*\\)\",\\{0,1\\}\$/\\1/p"
}

# A failure: the exit status, nothing on stdout, a message on stderr.
failed_with() { # failed_with STATUS FRAGMENT
    test "$rc" -eq "$1" && test -z "$out" && has "$err" "$2"
}

V1_SK=ed25519:3hoMW1HvnRLSFCLZnvPzWeoGwtdHzke34B2cTHM8rhcbG3TbuLKtShTv3DvyejnXKXKBiV7YPkLeqUHN1ghnqpFv
V1_PK=ed25519:Anu7LYDfpLtkP7E16LT9imXF694BdQaa9ufVkQiwTQxC
V1_BLOCK=244ZQ9cgj3CQ6bWBdytfrJMuMQ1jdXLFGnr4HhvtCTnM
V1_TX_HEX=09000000746573742e6e65617200917b3d268d4b58f7fec1b150bd68d69be3ee5d4cc39855e341538465bb77860d01000000000000000d00000077686174657665722e6e6561720fa473fd26901df296be6adc4cc4df34d040efa2435224b6986910e630c2fef6010000000301000000000000000000000000000000
V1_SIGNED=CQAAAHRlc3QubmVhcgCRez0mjUtY9/7BsVC9aNab4+5dTMOYVeNBU4Rlu3eGDQEAAAAAAAAADQAAAHdoYXRldmVyLm5lYXIPpHP9JpAd8pa+atxMxN800EDvokNSJLaYaRDmMML+9gEAAAADAQAAAAAAAAAAAAAAAAAAAACWmoMzIYbul1Xkg5MlUlgG4Ymj0tK7S0dg6URD6X4cTyLe7vAFmo6XExAO2m4ZFE2n6KDvflObIHCLodjQIb0B
V1_UNSIGNED=CQAAAHRlc3QubmVhcgCRez0mjUtY9/7BsVC9aNab4+5dTMOYVeNBU4Rlu3eGDQEAAAAAAAAADQAAAHdoYXRldmVyLm5lYXIPpHP9JpAd8pa+atxMxN800EDvokNSJLaYaRDmMML+9gEAAAADAQAAAAAAAAAAAAAAAAAAAA==
V1_SIG=ed25519:41eAXToSZSqFqHCDZKnK7QnYANgRY5mSgHz2P19NaLYqphwsdk4HA6QSd11kdKgqL4wa6hg7wvwt1V3wE6kbRxWt
V1_HASH=H4be6ioGzDeiGKork27na6Usw2Hzt4gNJfetJ7ag3LhP
V5_SK=ed25519:3FyRtUUMxiNT1g2ST6mbj7W1CN7KfQBbomawC7YG4A1zwHmw2TRsn1Wc8NaFcBCoJDu3zt3znJDSwKQ31oRaKXH7
V5_PK=ed25519:2RM3EotCzEiVobm6aMjaup43k8cFffR4KHFtrqbZ79Qy
V5_NONCE=KNV0cOpvJ50D5vfF9pqWom8wo2sliQ4W+Wa7uZ3Uk6Y=
V5_SIG=zzZQ/GwAjrZVrTIFlvmmQbDQHllfzrr8urVWHaRt5cPfcXaCSZo35c5LDpPpTKivR6BxLyb3lcPM0FfCW5lcBQ==
V6_SIGNED=DgAAAHNlbmRlci50ZXN0bmV0EAAAAHJlY2VpdmVyLnRlc3RuZXQAAAAAAQAAAAAAAAByHytuAAAAAAAVGEi3UlLoQGhXo7/6PLS/BFHmK7F3TyCQYynwYU1aPgBpliGaPZcaJW/Pe3rXSK7H8chIaM1Z3z11bYoCJJimNuY/FoCaVJGMRz6ai/Sws1R3prZx6rZbGyj9n64qZowA
SEED_SK=ed25519:4RDn17Y8bm6FRg57BhW7eVnrHTF2nsmRfkj1nPXR1zYB

# ---- help ----
run "$outlayer" near --help
check "near --help lists the offline and online commands" \
    test "$rc" -eq 0 -a -n "$(has "$out" "sign-delegate" && has "$out" "--rpc URL" && echo y)"
run "$outlayer" help near
check "help near" test "$rc" -eq 0 -a -n "$(has "$out" "decode-tx" && echo y)"
run "$outlayer" near
check "near without a command is a usage error" test "$rc" -eq 2

# ---- keys ----
run "$outlayer" near keygen
pk=$(field public_key)
implicit=$(field implicit_account_id)
check "keygen prints a fresh key pair" \
    test "$rc" -eq 0 -a "$(field account_id)" = "$implicit" -a "${#implicit}" -eq 64 \
    -a -n "$(field private_key)" -a "${pk#ed25519:}" != "$pk"
sk=$(field private_key)
run "$outlayer" near public-key --secret-key "$sk"
check "public-key of keygen's secret" test "$rc" -eq 0 -a "$(field public_key)" = "$pk" \
    -a "$(field implicit_account_id)" = "$implicit"

run "$outlayer" near keygen --account-id alice.testnet --out "$tmp/alice.json"
pk=$(field public_key)
check "keygen --out writes a 0600 file and keeps the key off stdout" \
    test "$rc" -eq 0 -a "$(stat -c %a "$tmp/alice.json")" = 600 -a "$(field account_id)" = \
    alice.testnet -a -z "$(field private_key)" -a "$(field file)" = "$tmp/alice.json"
check "the key file is near-cli's format" grep -q \
    '^{"account_id":"alice.testnet","public_key":"ed25519:[1-9A-HJ-NP-Za-km-z]*","private_key":"ed25519:[1-9A-HJ-NP-Za-km-z]*"}$' \
    "$tmp/alice.json"
run "$outlayer" near public-key --key-file "$tmp/alice.json"
check "public-key --key-file" test "$rc" -eq 0 -a "$(field public_key)" = "$pk"
before=$(cat "$tmp/alice.json")
run "$outlayer" near keygen --out "$tmp/alice.json"
check "keygen never overwrites a key file" failed_with 1 "exists"
check "the old key file is intact" test "$(cat "$tmp/alice.json")" = "$before"
run "$outlayer" near keygen --account-id Alice
check "keygen refuses an invalid account id" failed_with 1 "invalid character 'A'"

run "$outlayer" near public-key --secret-key "$SEED_SK"
check "public-key of a 32-byte seed (V9)" test "$rc" -eq 0 -a "$(field public_key)" = \
    ed25519:Bpz2oUnMM8MM8trXmdAJW5sS1TtPkMot4cosa16ZeYFQ -a "$(field implicit_account_id)" = \
    a0dfa70b1573f54869a046262c35bd56f1e10584bc685c69697e90393e151d07
run_in "$V1_SK" "$outlayer" near public-key --secret-key -
check "public-key reads the secret from stdin" test "$rc" -eq 0 -a "$(field public_key)" = "$V1_PK"
run "$outlayer" near public-key --secret-key "${V1_SK}x"
check "a bad secret key is refused without being echoed" failed_with 1 "secret key"
check "  (the key is not in the message)" test -z "$(has "$err" "3hoMW1Hv" && echo leaked)"
run "$outlayer" near public-key --secret-key "ed25519:3hoMW1HvnRLSFCLZ"
check "a short secret key is refused" failed_with 1 "bytes, expected 64"
run "$outlayer" near public-key
check "public-key without a key is a usage error" failed_with 2 "--secret-key"
run "$outlayer" near public-key --secret-key "$V1_SK" --key-file "$tmp/alice.json"
check "public-key with two keys is a usage error" failed_with 2 "--secret-key"

# ---- sign-tx / decode-tx (V1) ----
run "$outlayer" near sign-tx --secret-key "$V1_SK" --signer test.near --receiver whatever.near \
    --nonce 1 --block-hash "$V1_BLOCK" --actions '[{"Transfer":{"deposit":"1"}}]'
check "sign-tx V1: tx_borsh_hex" test "$rc" -eq 0 -a "$(field tx_borsh_hex)" = "$V1_TX_HEX"
check "sign-tx V1: tx_hash" test "$(field tx_hash)" = "$V1_HASH"
check "sign-tx V1: signature" test "$(field signature)" = "$V1_SIG"
check "sign-tx V1: signed_tx_base64" test "$(field signed_tx_base64)" = "$V1_SIGNED"
printf '[{"Transfer":{"deposit":"1"}}]' >"$tmp/actions.json"
run "$outlayer" near sign-tx --secret-key="$V1_SK" --signer=test.near --receiver whatever.near \
    --nonce 1 --block-hash "$V1_BLOCK" --actions "@$tmp/actions.json"
check "sign-tx with --opt=value and --actions @FILE" \
    test "$rc" -eq 0 -a "$(field signed_tx_base64)" = "$V1_SIGNED"

run "$outlayer" near decode-tx "$V1_SIGNED"
check "decode-tx V1 signed" test "$rc" -eq 0 -a "$(field signer_id)" = test.near \
    -a "$(field receiver_id)" = whatever.near -a "$(field hash)" = "$V1_HASH" \
    -a "$(field signature)" = "$V1_SIG" -a "$(field block_hash)" = "$V1_BLOCK"
check "decode-tx V1: signed and valid" has "$out" '"signature_valid": true'
check "decode-tx V1: actions in the --actions form" has "$out" '"Transfer": {'
run_in "$V1_UNSIGNED" "$outlayer" near decode-tx -
check "decode-tx V1 unsigned from stdin" test "$rc" -eq 0 -a "$(field hash)" = "$V1_HASH" \
    -a -z "$(field signature)" -a -n "$(has "$out" '"signed": false' && echo y)"
tampered=$(printf '%s' "$V1_SIGNED" | sed 's/^CQAAAHRlc3Qu/CQAAAHRlc3Yu/')
run "$outlayer" near decode-tx "$tampered"
check "decode-tx reports a signature that does not verify" \
    test "$rc" -eq 0 -a -n "$(has "$out" '"signature_valid": false' && echo y)"
run "$outlayer" near decode-tx "${V1_SIGNED%????}"
check "decode-tx of a truncated tx" failed_with 1 "truncated"
run "$outlayer" near decode-tx "not base64!"
check "decode-tx of bad base64" failed_with 1 "base64"
run "$outlayer" near decode-tx "${V1_SIGNED}AAAA"
check "decode-tx with trailing bytes" failed_with 1 "trailing"
run "$outlayer" near decode-tx
check "decode-tx without input is a usage error" test "$rc" -eq 2

# The issue's action list, signed and decoded back in the same form.
issue_actions='["CreateAccount", {"DeployContract":{"code_base64":"AGFzbQEAAAA="}},
{"FunctionCall":{"method_name":"m","args_json":{"a":1},"gas":30000000000000,"deposit":"0"}},
{"Transfer":{"deposit":"1.5 NEAR"}}, {"Stake":{"stake":"1","public_key":"'$V1_PK'"}},
{"AddKey":{"public_key":"'$V1_PK'","access_key":{"nonce":0,"permission":"FullAccess"}}},
{"AddKey":{"public_key":"'$V5_PK'","access_key":{"nonce":0,"permission":{"FunctionCall":
{"allowance":null,"receiver_id":"r","method_names":["a","b"]}}}}},
{"DeleteKey":{"public_key":"'$V1_PK'"}}, {"DeleteAccount":{"beneficiary_id":"bob.near"}}]'
run "$outlayer" near sign-tx --secret-key "$V1_SK" --signer test.near --receiver new.test.near \
    --nonce 7 --block-hash "$V1_BLOCK" --actions "$issue_actions"
signed=$(field signed_tx_base64)
check "sign-tx with every classic action" test "$rc" -eq 0 -a -n "$signed"
run "$outlayer" near decode-tx "$signed"
check "decode-tx prints every action" test "$rc" -eq 0 \
    -a -n "$(has "$out" '"args_base64": "eyJhIjoxfQ=="' && has "$out" '"CreateAccount"' &&
        has "$out" '"deposit": "1500000000000000000000000"' &&
        has "$out" '"method_names": [' && has "$out" '"allowance": null' &&
        has "$out" '"permission": "FullAccess"' && has "$out" '"beneficiary_id": "bob.near"' &&
        has "$out" '"signature_valid": true' && echo y)"

run "$outlayer" near sign-tx --key-file "$tmp/alice.json" --receiver bob.testnet --nonce 1 \
    --block-hash "$V1_BLOCK" --actions '[]'
signed=$(field signed_tx_base64)
run "$outlayer" near decode-tx "$signed"
check "sign-tx --key-file signs as the file's account" \
    test "$rc" -eq 0 -a "$(field signer_id)" = alice.testnet

# sign-tx errors
run "$outlayer" near sign-tx --secret-key "$V1_SK" --signer Test.near --receiver whatever.near \
    --nonce 1 --block-hash "$V1_BLOCK" --actions '[]'
check "sign-tx: invalid signer" failed_with 1 "--signer"
run "$outlayer" near sign-tx --secret-key "$V1_SK" --signer test.near --receiver whatever.near \
    --nonce 1 --block-hash "${V1_BLOCK}1" --actions '[]'
check "sign-tx: block hash of 33 bytes" failed_with 1 "--block-hash"
run "$outlayer" near sign-tx --secret-key "$V1_SK" --signer test.near --receiver whatever.near \
    --nonce -1 --block-hash "$V1_BLOCK" --actions '[]'
check "sign-tx: bad nonce" failed_with 2 "--nonce"
run "$outlayer" near sign-tx --secret-key "$V1_SK" --signer test.near --receiver whatever.near \
    --nonce 1 --block-hash "$V1_BLOCK" --actions '[{"Transfer":{"deposit":"1e3"}}]'
check "sign-tx: bad amount, named by path" failed_with 1 "actions[0].Transfer.deposit"
run "$outlayer" near sign-tx --secret-key "$V1_SK" --signer test.near --receiver whatever.near \
    --nonce 1 --block-hash "$V1_BLOCK" --actions \
    '[{"Transfer":{"deposit":"340282366920938463463374607431768211456"}}]'
check "sign-tx: overflowing amount" failed_with 1 "exceeds"
run "$outlayer" near sign-tx --secret-key "$V1_SK" --receiver whatever.near \
    --nonce 1 --block-hash "$V1_BLOCK" --actions '[]'
check "sign-tx: --signer is needed with --secret-key" failed_with 2 "--signer"
run "$outlayer" near sign-tx --secret-key "$V1_SK" --signer test.near --nonce 1 \
    --block-hash "$V1_BLOCK" --actions '[]'
check "sign-tx: missing --receiver" failed_with 2 "--receiver is required"
run "$outlayer" near sign-tx --secret-key "$V1_SK" --bogus 1
check "sign-tx: unknown option" failed_with 2 "unknown option '--bogus'"

# ---- NEP-413 (V5) ----
run "$outlayer" near sign-message --secret-key "$V5_SK" --message 'Hello NEAR!' \
    --nonce-base64 "$V5_NONCE" --recipient example.near --callback-url http://localhost:3000
check "sign-message V5 with callback" test "$rc" -eq 0 -a "$(field hash_hex)" = \
    ca89aebc4b822cb0618aa785dca563acee228e2631cff9adb7ce44989c5e8874 \
    -a "$(field signature_base64)" = "$V5_SIG" -a "$(field public_key)" = "$V5_PK"
sig58=$(field signature)
run "$outlayer" near sign-message --secret-key "$V5_SK" --message 'Hello NEAR!' \
    --nonce-base64 "$V5_NONCE" --recipient example.near
check "sign-message V5 without callback" test "$rc" -eq 0 -a "$(field signature_base64)" = \
    NnJgPU1Ql7ccRTITIoOVsIfElmvH1RV7QAT4a9Vh6ShCOnjIzRwxqX54JzoQ/nK02p7VBMI2vJn48rpImIJwAw==
run "$outlayer" near verify-message --public-key "$V5_PK" --signature "$V5_SIG" \
    --message 'Hello NEAR!' --nonce-base64 "$V5_NONCE" --recipient example.near \
    --callback-url http://localhost:3000
check "verify-message V5 (base64 signature)" test "$rc" -eq 0 \
    -a -n "$(has "$out" '"valid": true' && echo y)"
run "$outlayer" near verify-message --public-key "$V5_PK" --signature "$sig58" \
    --message 'Hello NEAR!' --nonce-base64 "$V5_NONCE" --recipient example.near \
    --callback-url http://localhost:3000
check "verify-message V5 (ed25519: signature)" test "$rc" -eq 0
run "$outlayer" near verify-message --public-key "$V5_PK" --signature "$V5_SIG" \
    --message 'Hello NEAR?' --nonce-base64 "$V5_NONCE" --recipient example.near \
    --callback-url http://localhost:3000
check "verify-message of another message fails with exit 1" \
    test "$rc" -eq 1 -a -n "$(has "$out" '"valid": false' && echo y)"
run "$outlayer" near verify-message --public-key "$V1_PK" --signature "$V5_SIG" \
    --message 'Hello NEAR!' --nonce-base64 "$V5_NONCE" --recipient example.near \
    --callback-url http://localhost:3000
check "verify-message with another key fails" test "$rc" -eq 1
run "$outlayer" near sign-message --secret-key "$V5_SK" --message m --nonce-base64 AAAA \
    --recipient example.near
check "sign-message: a nonce that is not 32 bytes" failed_with 1 "expected 32"

# ---- NEP-366 (V6) ----
run "$outlayer" near sign-delegate --secret-key "$V5_SK" --sender sender.testnet \
    --receiver receiver.testnet --nonce 1 --max-block-height 1848319858 --actions '[]'
check "sign-delegate V6" test "$rc" -eq 0 -a "$(field delegate_hash_hex)" = \
    6d35575b3566fddf04f79317c3e574eb89c5bc228c5e755f2a3179e164dbb36b \
    -a "$(field signed_delegate_base64)" = "$V6_SIGNED"
run "$outlayer" near sign-delegate --secret-key "$V5_SK" --sender sender.testnet \
    --receiver receiver.testnet --nonce 1 --max-block-height 5 --actions \
    '[{"Delegate":{"delegate_action":{"sender_id":"aaa","receiver_id":"bbb","actions":[],"nonce":1,"max_block_height":2,"public_key":"'$V5_PK'"},"signature":"'$V1_SIG'"}}]'
check "sign-delegate refuses a nested Delegate" failed_with 1 "cannot contain a Delegate"

echo "near_cli_test: $passed passed, $failed failed"
test "$failed" -eq 0
