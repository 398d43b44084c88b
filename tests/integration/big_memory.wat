;; Needs 4 pages: refused under --max-memory-pages 2.
(module
  (memory 4)
  (func (export "f") (result i32) memory.size))
