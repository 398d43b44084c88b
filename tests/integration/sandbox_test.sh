#!/usr/bin/env bash
# `outlayer sandbox` against its real JSON-RPC: transfers and account creation checked to the
# yocto (deposits + gas burnt, refunds included), nonce and access-key errors in nearcore's
# shapes, every RPC method's shape, queries at past blocks, persistence across a restart.
# usage: sandbox_test.sh OUTLAYER
set -euo pipefail
OL=$1
T=$(mktemp -d)
PID=
cleanup() {
    if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
    rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

start() {
    "$OL" sandbox --data-dir "$T/data" --port 0 --block-time-ms 50 >"$T/out" 2>"$T/err" &
    PID=$!
    for _ in $(seq 100); do
        grep -q '^rpc: ' "$T/out" 2>/dev/null && break
        kill -0 "$PID" 2>/dev/null || fail "sandbox exited: $(cat "$T/err")"
        sleep 0.1
    done
    URL=$(sed -n 's/^rpc: //p' "$T/out")
    [ -n "$URL" ] || fail "no rpc line"
}
stop() { kill "$PID"; wait "$PID" || fail "sandbox exit status $?"; PID=; }
rpc() { curl -s --max-time 20 -X POST "$URL" -H 'Content-Type: application/json' -d "$1"; }
py() { python3 -c "$1"; }
balance() { "$OL" near --rpc "$URL" account "$1" | py 'import json,sys; print(json.load(sys.stdin)["amount"])'; }
head_height() {
    rpc '{"jsonrpc":"2.0","id":"a","method":"status","params":[]}' |
        py 'import json,sys; print(json.load(sys.stdin)["result"]["sync_info"]["latest_block_height"])'
}
# view_account ACCOUNT BLOCK_ID (a height, or a quoted hash) -> the whole response
view_account_at() {
    rpc "{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"query\",\"params\":{\"request_type\":\"view_account\",\"account_id\":\"$1\",\"block_id\":$2}}"
}

start
KEY=$T/data/test.near.json
[ -f "$KEY" ] || fail "no credentials file"
B0=$(balance test.near)
[ "$B0" = 1000000000000000000000000000000000 ] || fail "genesis balance $B0"

# ---- create-account: CreateAccount + Transfer + AddKey, FINAL ----
"$OL" near --rpc "$URL" --key-file "$KEY" --wait FINAL create-account alice.test.near \
    --master test.near --initial-balance "10 NEAR" >"$T/ca.json" || fail "create-account"
[ -f "$T/data/alice.test.near.json" ] || fail "alice's key not written"
B1=$(balance test.near)
A1=$(balance alice.test.near)
[ "$A1" = 10000000000000000000000000 ] || fail "alice balance $A1"
HA=$(head_height) # alice holds A1 at the end of block HA (nothing else touches her until `send`)
py "
import json
d = json.load(open('$T/ca.json'))
assert d['status'] == {'SuccessValue': ''}, d['status']
outs = [d['transaction_outcome']] + d['receipts_outcome']
burnt = sum(int(o['outcome']['tokens_burnt']) for o in outs)
assert $B0 - $B1 == 10 * 10**24 + burnt, ($B0 - $B1, burnt)
# gas: receipt creation + create_account + transfer + add full key (send_not_sir, exec)
send = 108059500000 + 3850000000000 + 115123062500 + 101765125000
assert d['transaction_outcome']['outcome']['gas_burnt'] == send
assert d['receipts_outcome'][0]['outcome']['gas_burnt'] == send
assert d['transaction']['actions'][0] == 'CreateAccount'
" || fail "create-account amounts"

# ---- send: exact cost of a transfer (no refund: exec fees are exact) ----
"$OL" near --rpc "$URL" --key-file "$KEY" --wait FINAL send test.near alice.test.near 7 \
    >"$T/send.json" || fail "send"
B2=$(balance test.near)
A2=$(balance alice.test.near)
py "
assert $A2 - $A1 == 7
gas = 2 * (108059500000 + 115123062500)
assert $B1 - $B2 == 7 + gas * 100000000, ($B1 - $B2)
" || fail "transfer amounts"
TX=$(py "import json; print(json.load(open('$T/send.json'))['transaction']['hash'])")

# ---- queries at a past block read that block's state (by height and by hash) ----
view_account_at alice.test.near "$HA" >"$T/old.json"
HA_HASH=$(py "import json; print(json.load(open('$T/old.json'))['result']['block_hash'])")
view_account_at alice.test.near "\"$HA_HASH\"" >"$T/oldh.json"
view_account_at alice.test.near 1 >"$T/genesis.json"
view_account_at alice.test.near 999999999 >"$T/unknown.json"
py "
import json
L = lambda n: json.load(open('$T/' + n))
for n in ('old.json', 'oldh.json'):
    r = L(n)['result']
    assert r['amount'] == '$A1' and r['block_height'] == $HA, (n, r)
assert $A2 != $A1
e = L('genesis.json')['error']
assert e['cause']['name'] == 'UNKNOWN_ACCOUNT' and e['cause']['info']['block_height'] == 1, e
e = L('unknown.json')['error']
assert e['cause']['name'] == 'UNKNOWN_BLOCK', e
assert e['cause']['info']['block_reference'] == {'block_id': 999999999}, e
" || fail "query at a past block"

# ---- RPC shapes ----
rpc '{"jsonrpc":"2.0","id":"a","method":"status","params":[]}' >"$T/status.json"
rpc '{"jsonrpc":"2.0","id":"a","method":"block","params":{"finality":"final"}}' >"$T/block.json"
rpc '{"jsonrpc":"2.0","id":"a","method":"block","params":{"block_id":1}}' >"$T/block1.json"
rpc '{"jsonrpc":"2.0","id":"a","method":"gas_price","params":[null]}' >"$T/gas.json"
rpc "{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"tx\",\"params\":{\"tx_hash\":\"$TX\",\"sender_account_id\":\"test.near\",\"wait_until\":\"FINAL\"}}" >"$T/tx.json"
rpc "{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"EXPERIMENTAL_tx_status\",\"params\":{\"tx_hash\":\"$TX\",\"sender_account_id\":\"test.near\",\"wait_until\":\"NONE\"}}" >"$T/txs.json"
rpc '{"jsonrpc":"2.0","id":"a","method":"query","params":{"request_type":"view_account","finality":"final","account_id":"nobody.test.near"}}' >"$T/noacc.json"
rpc '{"jsonrpc":"2.0","id":"a","method":"query","params":{"request_type":"view_code","finality":"final","account_id":"alice.test.near"}}' >"$T/nocode.json"
rpc '{"jsonrpc":"2.0","id":"a","method":"query","params":{"request_type":"view_state","finality":"final","account_id":"alice.test.near","prefix_base64":""}}' >"$T/state.json"
rpc '{"jsonrpc":"2.0","id":"a","method":"query","params":{"request_type":"view_access_key","finality":"final","account_id":"alice.test.near","public_key":"ed25519:11111111111111111111111111111111"}}' >"$T/nokey.json"
rpc '{"jsonrpc":"2.0","id":"a","method":"query","params":{"request_type":"call_function","finality":"final","account_id":"alice.test.near","method_name":"x","args_base64":""}}' >"$T/nocall.json"
rpc '{"jsonrpc":"2.0","id":"a","method":"nope","params":[]}' >"$T/nomethod.json"
rpc '{"jsonrpc":"2.0","id":"a","method":"tx","params":{"tx_hash":"11111111111111111111111111111111","sender_account_id":"test.near"}}' >"$T/notx.json"
py "
import json
L = lambda n: json.load(open('$T/' + n))
s = L('status.json')['result']
assert s['chain_id'] == 'sandbox' and s['sync_info']['latest_block_height'] > 1
b = L('block.json')['result']
assert b['header']['height'] >= 2 and len(b['chunks']) == 1 and b['header']['gas_price'] == '100000000'
assert L('block1.json')['result']['header']['prev_hash'] == '11111111111111111111111111111111'
assert L('gas.json')['result'] == {'gas_price': '100000000'}
t = L('tx.json')['result']
assert t['final_execution_status'] == 'FINAL' and t['status'] == {'SuccessValue': ''}
assert t['transaction']['actions'] == [{'Transfer': {'deposit': '7'}}]
x = L('txs.json')['result']
rid = x['receipts'][0]['receipt_id']
assert x['receipts'][0]['receipt']['Action']['actions'] == [{'Transfer': {'deposit': '7'}}]
e = L('noacc.json')['error']
assert e['name'] == 'HANDLER_ERROR' and e['cause']['name'] == 'UNKNOWN_ACCOUNT' and e['code'] == -32000
assert L('nocode.json')['error']['cause']['name'] == 'NO_CONTRACT_CODE'
assert L('state.json')['result']['values'] == []
assert 'does not exist while viewing' in L('nokey.json')['result']['error']
assert 'CodeDoesNotExist' in L('nocall.json')['result']['error'], L('nocall.json')
assert L('nomethod.json')['error']['cause']['name'] == 'METHOD_NOT_FOUND'
assert L('notx.json')['error']['cause']['name'] == 'UNKNOWN_TRANSACTION'
open('$T/rid', 'w').write(rid)
" || fail "rpc shapes"
RID=$(cat "$T/rid")
rpc "{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"EXPERIMENTAL_receipt\",\"params\":{\"receipt_id\":\"$RID\"}}" >"$T/rcpt.json"
py "
import json
r = json.load(open('$T/rcpt.json'))['result']
assert r['receiver_id'] == 'alice.test.near' and r['predecessor_id'] == 'test.near'
assert r['receipt']['Action']['signer_id'] == 'test.near'
" || fail "EXPERIMENTAL_receipt"

# ---- nonce errors: a signed tx with nonce 1 (the key's nonce is higher now) ----
BH=$(py "import json; print(json.load(open('$T/block.json'))['result']['header']['hash'])")
SIGNED=$("$OL" near sign-tx --key-file "$KEY" --receiver alice.test.near --nonce 1 \
    --block-hash "$BH" --actions '[{"Transfer":{"deposit":"1"}}]' |
    py 'import json,sys; print(json.load(sys.stdin)["signed_tx_base64"])')
rpc "{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"send_tx\",\"params\":{\"signed_tx_base64\":\"$SIGNED\",\"wait_until\":\"FINAL\"}}" >"$T/nonce.json"
py "
import json
e = json.load(open('$T/nonce.json'))['error']
assert e['cause']['name'] == 'INVALID_TRANSACTION', e
n = e['data']['TxExecutionError']['InvalidTxError']['InvalidNonce']
assert n['tx_nonce'] == 1 and n['ak_nonce'] > 1
" || fail "InvalidNonce"
SIGNED=$("$OL" near sign-tx --key-file "$KEY" --receiver alice.test.near --nonce 999999999999999 \
    --block-hash "$BH" --actions '[{"Transfer":{"deposit":"1"}}]' |
    py 'import json,sys; print(json.load(sys.stdin)["signed_tx_base64"])')
rpc "{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"send_tx\",\"params\":{\"signed_tx_base64\":\"$SIGNED\"}}" >"$T/big.json"
py "
import json
e = json.load(open('$T/big.json'))['error']
assert 'NonceTooLarge' in e['data']['TxExecutionError']['InvalidTxError'], e
" || fail "NonceTooLarge"

# ---- function-call key permissions ----
"$OL" near keygen --account-id test.near --out "$T/fc.json" >/dev/null
FCPK=$(py "import json; print(json.load(open('$T/fc.json'))['public_key'])")
"$OL" near --rpc "$URL" --key-file "$KEY" --wait FINAL add-key test.near "$FCPK" \
    --receiver alice.test.near --method-names foo,bar --allowance "1 NEAR" >/dev/null ||
    fail "add-key"
"$OL" near --rpc "$URL" keys test.near >"$T/keys.json"
py "
import json
ks = json.load(open('$T/keys.json'))['keys']
fc = [k for k in ks if k['public_key'] == '$FCPK'][0]['access_key']
assert fc['permission'] == {'FunctionCall': {'allowance': '1000000000000000000000000', 'receiver_id': 'alice.test.near', 'method_names': ['foo', 'bar']}}, fc
assert fc['nonce'] % 1000000 == 0 and fc['nonce'] > 0
" || fail "function-call key view"
if "$OL" near --rpc "$URL" --key-file "$T/fc.json" send test.near alice.test.near 1 2>"$T/fcerr"; then
    fail "a function-call key signed a transfer"
fi
grep -q RequiresFullAccess "$T/fcerr" || fail "no RequiresFullAccess: $(cat "$T/fcerr")"
if "$OL" near --rpc "$URL" --key-file "$T/fc.json" call alice.test.near baz '{}' 2>"$T/fcerr2" >/dev/null; then
    fail "method outside the key's list"
fi
grep -q MethodNameMismatch "$T/fcerr2" || fail "no MethodNameMismatch: $(cat "$T/fcerr2")"
"$OL" near --rpc "$URL" --key-file "$KEY" --wait FINAL delete-key test.near "$FCPK" >/dev/null ||
    fail "delete-key"

# ---- failed receipt: deposit refunded, gas burnt; balance to the yocto ----
B3=$(balance test.near)
if "$OL" near --rpc "$URL" --key-file "$KEY" --wait FINAL create-account alice.test.near \
    --master test.near --initial-balance 5 --public-key "$FCPK" >"$T/dup.json" 2>/dev/null; then
    fail "created an existing account"
fi
B4=$(balance test.near)
py "
import json
d = json.load(open('$T/dup.json'))
k = d['status']['Failure']['ActionError']
assert k['index'] == 0 and k['kind'] == {'AccountAlreadyExists': {'account_id': 'alice.test.near'}}, k
outs = [d['transaction_outcome']] + d['receipts_outcome']
burnt = sum(int(o['outcome']['tokens_burnt']) for o in outs)
assert $B3 - $B4 == burnt, ($B3 - $B4, burnt)
assert [o['outcome']['executor_id'] for o in d['receipts_outcome']][1:] == ['test.near', 'test.near']
" || fail "refunds of a failed receipt"

# ---- restart: state survives ----
H1=$(py "import json; print(json.load(open('$T/status.json'))['result']['sync_info']['latest_block_height'])")
stop
start
[ "$(balance alice.test.near)" = "$A2" ] || fail "alice's balance after restart"
[ "$(balance test.near)" = "$B4" ] || fail "test.near's balance after restart"
view_account_at alice.test.near "$HA" |
    py "import json,sys; r = json.load(sys.stdin)['result']; assert r['amount'] == '$A1', r" ||
    fail "past block's state after restart"
rpc '{"jsonrpc":"2.0","id":"a","method":"status","params":[]}' |
    py "import json,sys; assert json.load(sys.stdin)['result']['sync_info']['latest_block_height'] > $H1" ||
    fail "height after restart"
stop
echo "sandbox_test: ok"
