/**
 * `npx tsx scripts/bench/_cpuProfileTop.ts DIR PHASE [N]`: the top N (default 25) frames of the relay's CPU
 * profiles in DIR (written by `npm run bench -- abuse --cpu-prof DIR`, one .cpuprofile per thread) over the
 * time window of the phase whose "endpoint request" text contains PHASE (DIR/phases.json). Prints each
 * frame's self and inclusive ms over the window and per request, so a profile of a whole relay run (start-up
 * and idle included) answers "what does one refused request of this kind spend its CPU on".
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

type CallFrame = { functionName: string; url: string; lineNumber: number };
type ProfileNode = { id: number; callFrame: CallFrame; children?: number[] };
type Profile = { nodes: ProfileNode[]; startTime: number; samples: number[]; timeDeltas: number[] };
type Window = { endpoint: string; request: string; requests: number; startUs: number; endUs: number };

const [dir, phaseWord, topArg] = process.argv.slice(2);
if (!dir || !phaseWord) {
  console.error("usage: _cpuProfileTop.ts DIR PHASE [N]");
  process.exit(2);
}
const top = Number(topArg ?? 25);
const windows = JSON.parse(readFileSync(join(dir, "phases.json"), "utf8")) as Window[];
const w = windows.find((x) => `${x.endpoint} ${x.request}`.toLowerCase().includes(phaseWord.toLowerCase()));
if (!w) {
  console.error(`no phase matches "${phaseWord}": ${windows.map((x) => x.request).join("; ")}`);
  process.exit(2);
}

/** A frame's name: function, file (from the repo or node_modules on) and line. */
function frameName(f: CallFrame): string {
  // the intake worker runs from an esbuild bundle loaded as a data: URL
  const url = f.url.startsWith("data:")
    ? "(worker bundle)"
    : f.url.replace(/^.*?\/(node_modules\/|relay\/|client\/)/, "$1");
  return `${f.functionName || "(anonymous)"} ${url}:${f.lineNumber + 1}`;
}

const self = new Map<string, number>();
const inclusive = new Map<string, number>();
let totalUs = 0;
for (const file of readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"))) {
  const p = JSON.parse(readFileSync(join(dir, file), "utf8")) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  let t = p.startTime;
  let threadUs = 0;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i];
    const dt = p.timeDeltas[i + 1] ?? 0; // a sample stands for the time until the next one
    if (t < w.startUs || t > w.endUs) continue;
    const node = byId.get(p.samples[i]);
    if (!node || node.callFrame.functionName === "(idle)") continue;
    threadUs += dt;
    const name = frameName(node.callFrame);
    self.set(name, (self.get(name) ?? 0) + dt);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const n = byId.get(id);
      if (!n) break;
      const nm = frameName(n.callFrame);
      if (seen.has(nm)) continue;
      seen.add(nm);
      inclusive.set(nm, (inclusive.get(nm) ?? 0) + dt);
    }
  }
  console.log(`${file}: ${(threadUs / 1000).toFixed(1)} ms busy in the window`);
  totalUs += threadUs;
}

console.log(
  `\n${w.endpoint} (${w.request}): window ${((w.endUs - w.startUs) / 1000).toFixed(0)} ms, busy ${(totalUs / 1000).toFixed(1)} ms in every profiled thread (excluding (idle)), ${(totalUs / 1000 / w.requests).toFixed(2)} ms per request (the window includes preparing requests between chunks)`,
);
const show = (title: string, m: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [name, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(
      `${(us / 1000).toFixed(1).padStart(9)} ms ${(us / 1000 / w.requests).toFixed(3).padStart(7)} ms/req ${((100 * us) / totalUs).toFixed(1).padStart(5)}%  ${name}`,
    );
};
show("self time", self);
show("inclusive time", inclusive);
