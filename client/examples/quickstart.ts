import { readFileSync } from "node:fs";
import { privateKeyToAccount } from "viem/accounts";
import { createVeilClient } from "../index.js";

// Quickstart (README "Trader client and CLI"): sell 0.1 WETH for USDC on the devnet `npm start` runs.
const devnet = JSON.parse(readFileSync(".veil/devnet.json", "utf8")); // URLs, tokens, demo keys
const trader1 = devnet.accounts.find((a: { label: string }) => a.label === "trader1");
const account = privateKeyToAccount(trader1.privateKey);
const veil = createVeilClient({ relayUrl: devnet.relayUrl, rpcUrl: devnet.rpcUrl, account });
await veil.ensureAllowance({ token: "WETH" }); // approve the settlement contract once
const trade = { sellToken: "WETH", buyToken: "USDC", sellAmount: "0.1", minBuyAmount: "100" }; // human units
const order = await veil.buildOrder(trade); // reads decimals on chain, picks a nonce, expiry and commitBy
const { id } = await veil.submitSealed({ order }); // or: await veil.submitCommitted({ order })
const { state, fill } = await veil.waitForSettlement({ id, order }); // checks the Trade event on chain
console.log(`order ${id} ${state}: got ${fill?.buyAmount} USDC base units in tx ${fill?.txHash}`);
