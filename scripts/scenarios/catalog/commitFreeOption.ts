import type { Scenario } from "../scenario.js";

/** Placeholder until written. */
export const commitFreeOption: Scenario = {
  name: "commit-free-option",
  description: "commit-mode traders who reveal only when the price moved for them",
  bots: () => [],
};
