import type { Scenario } from "../scenario.js";
import { commitFreeOption } from "./commitFreeOption.js";
import { frontrun } from "./frontrun.js";
import { rogueOperator } from "./rogueOperator.js";
import { sandwich } from "./sandwich.js";
import { snooper } from "./snooper.js";

/** Every scenario `npm run scenario` knows, by name. Add yours here. */
export const SCENARIOS: Record<string, Scenario> = {
  [sandwich.name]: sandwich,
  [frontrun.name]: frontrun,
  [commitFreeOption.name]: commitFreeOption,
  [snooper.name]: snooper,
  [rogueOperator.name]: rogueOperator,
};
