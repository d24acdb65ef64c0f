/**
 * The relay's error table and unfilled reasons are the client's (client/wire/errorCodes.ts): one vocabulary,
 * imported rather than copied, so a client never meets a code it does not know. Add new codes there.
 */
export { ERROR_CODES, type ErrorCode, UNFILLED_REASONS, type UnfilledReason } from "../../client/wire/errorCodes.js";
