// Runs a WASI preview1 command under Node's built-in node:wasi, for the differential test
// (run_node_diff.sh): the same module, input, argv and environment as `outlayer run`.
//
// usage: node run_node_wasi.mjs FILE.wasm INPUT_FILE STDOUT_FILE STDERR_FILE ARGV_JSON ENV_JSON
//   ARGV_JSON is the whole argv (argv[0] included), ENV_JSON an object of strings (insertion
//   order is the guest's environ order). Prints the guest's exit code on stdout.
import { readFile } from 'node:fs/promises';
import { openSync, closeSync } from 'node:fs';
import { WASI } from 'node:wasi';

const [wasmPath, inputPath, outPath, errPath, argvJson, envJson] = process.argv.slice(2);
const stdin = openSync(inputPath, 'r');
const stdout = openSync(outPath, 'w');
const stderr = openSync(errPath, 'w');
const wasi = new WASI({
  version: 'preview1',
  args: JSON.parse(argvJson),
  env: JSON.parse(envJson),
  returnOnExit: true,
  stdin,
  stdout,
  stderr,
});
const module = await WebAssembly.compile(await readFile(wasmPath));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
let code;
try {
  code = wasi.start(instance);
} catch (e) {
  // A trap: report it the way the comparison expects (ours says status "trap").
  code = 'trap';
}
closeSync(stdin);
closeSync(stdout);
closeSync(stderr);
process.stdout.write(String(code) + '\n');
