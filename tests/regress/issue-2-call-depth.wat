;; issue-2 call-depth: max_call_depth must be enforced exactly.
;;
;; ol_wasm_limits.max_call_depth is "frames of WebAssembly calls; default 10,000". The engine
;; used to size its frame array as max_call_depth + OL__MAX_HOST_NEST (64, headroom meant for
;; host -> wasm re-entry), and plain recursion could use all of it: ensure_stacks() in
;; src/wasm/wasm_exec.c set nframes = max_call_depth + OL__MAX_HOST_NEST while run() and call_any
;; only tested depth >= nframes. A guest got 64 frames beyond the limit (65 with a limit of 1).
;; Fixed in 292e8eb (nframes = max_call_depth); this module stays as the regression fixture.
;;
;; down(n) runs n + 1 frames deep. With the default limits:
;;   wat2wasm issue-2-call-depth.wat -o /tmp/d.wasm
;;   outlayer wasm invoke /tmp/d.wasm down 9999    -> i32:9999 (10,000 frames: fits)
;;   outlayer wasm invoke /tmp/d.wasm down 10000   -> trap: call stack exhausted
;;                                                    (before the fix: i32:10000, and up to
;;                                                    down 10063 succeeded)
;; Unit tests: test_limits_call_depth and test_limits_call_depth_default in
;; tests/unit/test_wasm_limits.c.
(module
  (func $down (export "down") (param $n i32) (result i32)
    local.get $n i32.eqz
    if (result i32)
      i32.const 0
    else
      local.get $n i32.const 1 i32.sub call $down i32.const 1 i32.add
    end))
