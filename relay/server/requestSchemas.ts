import { getAddress, isAddress } from "viem";
import { z } from "zod";
import { commitByJsonSchema, hexBytes, hexData, signedOrderSchema } from "../../client/wire/orderWire.js";

/** Largest accepted sealed envelope: a signed order is well under 1 KiB; contract-wallet blobs need more. */
export const MAX_CIPHERTEXT_BYTES = 8 * 1024;
/** Largest request body on the REST API. */
export const MAX_BODY_BYTES = 32 * 1024;

/** Request bodies of the REST API (responses are built in orderViews.ts). */
export const sealedOrderBody = z.object({ ciphertext: hexData("ciphertext", MAX_CIPHERTEXT_BYTES) });

export const commitmentBody = z.object({
  leaf: hexBytes("leaf", 32),
  trader: z
    .string()
    .refine((s) => isAddress(s, { strict: false }), "trader must be a 20-byte 0x-hex address")
    .transform((s) => getAddress(s)),
  signature: hexData("signature", 2048),
  /** The hidden order's signed `commitBy` (order v2): the relay commits the leaf by this block. */
  commitBy: commitByJsonSchema,
});

export const revealBody = signedOrderSchema;

export const cancelBody = z.object({ signature: hexData("signature", 2048) });

export const orderIdParam = hexBytes("order id", 32);

/** `GET /v1/quote`'s query: tokens by symbol or address, the sell amount in base units (decimal). */
export const quoteQuery = z.object({
  sellToken: z.string().min(1).max(64).describe("symbol (e.g. WETH) or 0x address of the token sold"),
  buyToken: z.string().min(1).max(64).describe("symbol or 0x address of the token bought"),
  sellAmount: z
    .string()
    .regex(/^[1-9][0-9]{0,77}$/, "sellAmount must be a positive decimal integer (base units)")
    .describe("amount sold, base units, fee included (the order's sellAmount)"),
});

/** Most order ids one `GET /v1/batches/:id` lists (`?offset=&limit=` page through the rest). */
export const MAX_ORDER_IDS_PAGE = 1_000;

/** `?offset=` of `GET /v1/batches/:id` (a query string, so digits): the first order id listed, default 0. */
export const batchOffsetParam = z
  .string()
  .regex(/^[0-9]{1,9}$/, "offset must be an integer in [0, 999999999]")
  .describe("index of the first order id listed (default 0); the answer's nextOffset is the next page's");

/** `?limit=`: most order ids listed, 1 to {@link MAX_ORDER_IDS_PAGE}; absent or 0: the maximum. */
export const batchLimitParam = z
  .string()
  .regex(/^(?:[0-9]{1,3}|1000)$/, `limit must be an integer in [0, ${MAX_ORDER_IDS_PAGE}]`)
  .describe(`most order ids listed, at most ${MAX_ORDER_IDS_PAGE} (absent or 0: ${MAX_ORDER_IDS_PAGE})`);
