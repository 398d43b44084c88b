#!/usr/bin/env bash
# 400 calls through a coordinator and two workers on 127.0.0.1: a burst of 200 async calls in
# flight at once, then 200 sync calls from 20 threads (test_platform_load), every call accounted
# for: completed, its input echoed, and each key's spent equal to the sum of its calls' charges.
#
# usage: platform_load_test.sh OUTLAYER GUEST_WASM EXAMPLES_DIR LOAD_DRIVER
. "$(dirname "$0")/platform_lib.sh"
DRIVER=$4

start_coord main 0 --log-level=warn || exit 1
upload alice.near/echo "$EXAMPLES/echo.wasm"
start_worker w1 --log-level=warn
start_worker w2 --log-level=warn
wait_workers 2 || bad "workers online"
before=$(curl -s "$URL/public/stats" | jq -r .completed_calls)
"$DRIVER" "$URL" "$ADMIN_TOKEN" alice.near/echo 20 10
check_eq "load driver: every call accounted for" "$?" 0
after=$(curl -s "$URL/public/stats" | jq -r .completed_calls)
check_eq "stats: 400 more completed calls" "$((after - before))" 400
check_eq "nothing queued" "$(curl -s "$URL/public/stats" | jq -r .queue_depth)" 0
finish
