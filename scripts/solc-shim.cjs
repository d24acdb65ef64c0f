#!/usr/bin/env node
// forge calls this as its `solc`: there is no native solc on these machines, so we serve solcjs
// (npm `solc`, pinned in package.json) through the standard-JSON interface forge speaks.
const fs = require("node:fs");
const path = require("node:path");
const solc = require(path.join(__dirname, "..", "node_modules", "solc"));

if (process.argv.includes("--version")) {
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
  process.exit(0);
}

const roots = [process.cwd(), path.join(__dirname, ".."), path.join(__dirname, "..", "node_modules")];
function findImports(p) {
  for (const root of roots) {
    const file = path.resolve(root, p);
    if (fs.existsSync(file)) return { contents: fs.readFileSync(file, "utf8") };
  }
  return { error: `File not found: ${p}` };
}

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  process.stdout.write(solc.compile(input, { import: findImports }));
});
