import { type BuildOrderParameters, buildOrder } from "../actions/buildOrder.js";
import { type CancelParameters, cancel } from "../actions/cancel.js";
import { type CancelOnChainParameters, cancelOnChain } from "../actions/cancelOnChain.js";
import { type EnsureAllowanceParameters, ensureAllowance } from "../actions/ensureAllowance.js";
import { getInfo } from "../actions/getInfo.js";
import { type GetQuoteParameters, getQuote } from "../actions/getQuote.js";
import { type GetOrderParameters, getOrder } from "../actions/getOrder.js";
import { type ResolveTokenParameters, resolveToken } from "../actions/resolveToken.js";
import { type SelectNonceParameters, selectNonce } from "../actions/selectNonce.js";
import { type SignOrderParameters, signOrder } from "../actions/signOrder.js";
import { type SubmitCommittedParameters, submitCommitted } from "../actions/submitCommitted.js";
import { type SubmitSealedParameters, submitSealed } from "../actions/submitSealed.js";
import { type VerifyInclusionParameters, verifyInclusion } from "../actions/verifyInclusion.js";
import { type VerifyRelayParameters, verifyRelay } from "../actions/verifyRelay.js";
import { type WaitForOrderStateParameters, waitForOrderState } from "../actions/waitForOrderState.js";
import { type WaitForSettlementParameters, waitForSettlement } from "../actions/waitForSettlement.js";
import type { VeilClientBase } from "../createVeilClient.js";

/** Every action bound to one client, as `createVeilClient` exposes them (viem's decorator pattern). */
export function veilActions(client: VeilClientBase) {
  return {
    getInfo: () => getInfo(client),
    getQuote: (p: GetQuoteParameters) => getQuote(client, p),
    verifyRelay: (p?: VerifyRelayParameters) => verifyRelay(client, p),
    resolveToken: (p: ResolveTokenParameters) => resolveToken(client, p),
    selectNonce: (p?: SelectNonceParameters) => selectNonce(client, p),
    buildOrder: (p: BuildOrderParameters) => buildOrder(client, p),
    signOrder: (p: SignOrderParameters) => signOrder(client, p),
    submitSealed: (p: SubmitSealedParameters) => submitSealed(client, p),
    submitCommitted: (p: SubmitCommittedParameters) => submitCommitted(client, p),
    cancel: (p: CancelParameters) => cancel(client, p),
    cancelOnChain: (p: CancelOnChainParameters) => cancelOnChain(client, p),
    getOrder: (p: GetOrderParameters) => getOrder(client, p),
    waitForOrderState: (p: WaitForOrderStateParameters) => waitForOrderState(client, p),
    waitForSettlement: (p: WaitForSettlementParameters) => waitForSettlement(client, p),
    verifyInclusion: (p: VerifyInclusionParameters) => verifyInclusion(client, p),
    ensureAllowance: (p: EnsureAllowanceParameters) => ensureAllowance(client, p),
  };
}

export type VeilActions = ReturnType<typeof veilActions>;
