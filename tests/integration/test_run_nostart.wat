;; For `outlayer run` tests: a module without `_start` (not a WASI command).
(module
  (memory (export "memory") 1)
  (func (export "main")))
