#!/usr/bin/env node
// `veil` CLI launcher of @veil/client. Installed from the package it runs the compiled dist/cli/veil.js (the
// tarball ships no TypeScript). In the repository's checkout the sources sit beside it and nothing is built,
// so it runs them through tsx (a dev dependency of the checkout): `npx veil` works right after `npm install`.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const source = new URL("../cli/veil.ts", import.meta.url);

let cli;
if (existsSync(fileURLToPath(source))) {
  const { register } = await import("tsx/esm/api");
  register();
  cli = await import(source.href);
} else {
  cli = await import("../dist/cli/veil.js");
}
const code = await cli.main(process.argv.slice(2));
process.exit(code);
