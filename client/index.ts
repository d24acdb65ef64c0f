/**
 * Veil trader library: `import { createVeilClient } from "@veil/client"` (package `client/`).
 * Everything a trader or bot needs (client, actions, errors, order encodings); nothing from the relay.
 */

export {
  type BuildOrderParameters,
  buildOrder,
  DEFAULT_SLIPPAGE_BPS,
  DEFAULT_VALID_FOR_SECONDS,
} from "./actions/buildOrder.js";
export { type CancelParameters, type CancelReturnType, cancel } from "./actions/cancel.js";
export {
  type CancelOnChainParameters,
  type CancelOnChainReturnType,
  cancelOnChain,
} from "./actions/cancelOnChain.js";
export {
  type EnsureAllowanceParameters,
  type EnsureAllowanceReturnType,
  ensureAllowance,
} from "./actions/ensureAllowance.js";
export { type GetInfoReturnType, getInfo } from "./actions/getInfo.js";
export { type GetQuoteParameters, type GetQuoteReturnType, getQuote } from "./actions/getQuote.js";
export { type GetOrderParameters, type GetOrderReturnType, getOrder } from "./actions/getOrder.js";
export { type ResolveTokenParameters, resolveToken, type TokenInfo } from "./actions/resolveToken.js";
export { type SelectNonceParameters, selectNonce } from "./actions/selectNonce.js";
export { type SignOrderParameters, type SignOrderReturnType, signOrder } from "./actions/signOrder.js";
export {
  type SubmitCommittedParameters,
  type SubmitCommittedReturnType,
  submitCommitted,
} from "./actions/submitCommitted.js";
export { type SubmitSealedParameters, type SubmittedOrder, submitSealed } from "./actions/submitSealed.js";
export {
  type VerifyInclusionParameters,
  type VerifyInclusionReturnType,
  verifyInclusion,
} from "./actions/verifyInclusion.js";
export { type VerifiedRelayInfo, type VerifyRelayParameters, verifyRelay } from "./actions/verifyRelay.js";
export {
  DEFAULT_WAIT_TIMEOUT_MS,
  type WaitForOrderStateParameters,
  waitForOrderState,
} from "./actions/waitForOrderState.js";
export {
  type WaitForSettlementParameters,
  type WaitForSettlementReturnType,
  waitForSettlement,
} from "./actions/waitForSettlement.js";
export {
  type CreateVeilClientParameters,
  createVeilClient,
  DEFAULT_POLLING_INTERVAL_MS,
  type VeilClient,
  type VeilClientBase,
} from "./createVeilClient.js";
export { sealOrder } from "./envelope/sealedEnvelope.js";
export { BaseError, type BaseErrorParameters } from "./errors/baseError.js";
export {
  AccountRequiredError,
  InvalidAmountError,
  OrderStateError,
  UnknownTokenError,
} from "./errors/inputErrors.js";
export { isRelayError, RELAY_ERROR_CODES, RelayError, type RelayErrorCode } from "./errors/relayError.js";
export {
  RelayResponseError,
  RelayUnreachableError,
  RpcUnreachableError,
  TimeoutError,
} from "./errors/transportErrors.js";
export {
  ProofMismatchError,
  RelayMisbehaviorError,
  SettlementMismatchError,
  WrongChainError,
  WrongSettlementError,
} from "./errors/trustErrors.js";
export {
  buildMerkleTree,
  getMerkleProof,
  hashPair,
  type MerkleTree,
  verifyMerkleProof,
} from "./merkle/merkleTree.js";
export {
  CANCEL_TYPES,
  COMMITMENT_TYPES,
  cancelTypedData,
  commitmentTypedData,
} from "./order/offchainMessages.js";
export { hashOrder, ORDER_TYPES, type Order, orderLeaf, randomSalt, veilDomain } from "./order/order.js";
export {
  FINAL_ORDER_STATES,
  ORDER_STATES,
  type OrderState,
  type OrderStatus,
  type RelayInfo,
} from "./relay/relaySchemas.js";
export { type EthersSignerLike, ethersSigner } from "./signer/ethersSigner.js";
export { type VeilSigner, viemSigner } from "./signer/veilSigner.js";
export { parseAmount } from "./utils/parseAmount.js";
export { type OrderJson, orderToJson, type SignedOrder, signedOrderToJson } from "./wire/orderWire.js";
