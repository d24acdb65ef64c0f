#!/usr/bin/env node
// `veil` CLI launcher. In a checkout (`npm install`, no build step) it runs the TypeScript source through
// tsx's loader; in an installed package without the sources it runs the compiled dist/ from `npm run build`.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const source = new URL("../client/cli/veil.ts", import.meta.url);
const built = new URL("../dist/client/cli/veil.js", import.meta.url);

let cli;
if (existsSync(fileURLToPath(source))) {
  const { register } = await import("tsx/esm/api");
  register();
  cli = await import(source.href);
} else {
  cli = await import(built.href);
}
const code = await cli.main(process.argv.slice(2));
process.exit(code);
