#!/usr/bin/env node
// `npx veil` inside this checkout: the launcher of the client package (client/bin/veil.js), which runs the
// TypeScript sources through tsx here (no build step) and the compiled dist/ when installed from its tarball.
import "../client/bin/veil.js";
