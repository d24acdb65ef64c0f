import { z } from "zod";
import {
  acceptedOrderSchema,
  batchStatusSchema,
  orderStateAnswerSchema,
  orderStatusSchema,
  quoteSchema,
  relayInfoSchema,
} from "../../client/relay/relaySchemas.js";
import { ERROR_CODES, type ErrorCode } from "../errors/errorCodes.js";
import {
  batchLimitParam,
  batchOffsetParam,
  cancelBody,
  commitmentBody,
  orderIdParam,
  quoteQuery,
  revealBody,
  sealedOrderBody,
} from "./requestSchemas.js";

/** Every refusal's body: `{ error: { code, message, details? } }` with a code from the one error table. */
const errorBody = z.object({
  error: z.object({
    code: z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});

const healthBody = z
  .object({
    ok: z.boolean(),
    head: z.string().regex(/^[0-9]+$/),
    role: z
      .enum(["leader", "follower"])
      .describe("several instances on one PostgreSQL store: the one leading"),
    pid: z.number().int(),
  })
  .catchall(z.unknown())
  .describe("aggregates only (THREATS.md): no batch or order ids, traders or amounts");

/**
 * The schemas of the document's components: the very zod schemas that validate requests (relay/server/
 * requestSchemas.ts) and parse answers (client/relay/relaySchemas.ts), so the document cannot drift from
 * either side. JSON Schema comes from zod 4's `toJSONSchema` in input mode: the wire shapes, before transforms.
 */
const COMPONENTS = {
  Error: errorBody,
  SealedOrderBody: sealedOrderBody,
  CommitmentBody: commitmentBody,
  SignedOrder: revealBody,
  CancelBody: cancelBody,
  Accepted: acceptedOrderSchema,
  OrderStateAnswer: orderStateAnswerSchema,
  OrderStatus: orderStatusSchema,
  BatchStatus: batchStatusSchema,
  RelayInfo: relayInfoSchema,
  Quote: quoteSchema,
  Health: healthBody,
} as const;

type ComponentName = keyof typeof COMPONENTS;

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, {
    target: "draft-2020-12",
    io: "input",
    unrepresentable: "any",
  }) as Record<string, unknown>;
  return rest;
}

const ref = (name: ComponentName) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: ComponentName, description: string) => ({
  description,
  content: { "application/json": { schema: ref(name) } },
});
/** One response per HTTP status the listed codes map to, each naming its codes. */
const errors = (...codes: ErrorCode[]) => {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const c of new Set(codes))
    byStatus.set(ERROR_CODES[c].status, [...(byStatus.get(ERROR_CODES[c].status) ?? []), c]);
  return Object.fromEntries(
    [...byStatus].map(([status, cs]) => [String(status), json("Error", cs.join(", "))]),
  );
};
const body = (name: ComponentName) => ({
  required: true,
  content: { "application/json": { schema: ref(name) } },
});

const INTAKE: ErrorCode[] = [
  "BAD_REQUEST",
  "INVALID_SIGNATURE",
  "ORDER_EXPIRED",
  "VALIDITY_TOO_LONG",
  "SAME_TOKEN",
  "ZERO_AMOUNT",
  "FEE_EXCEEDS_SELL_AMOUNT",
  "INSUFFICIENT_FEE",
  "ORDER_TOO_SMALL",
  "UNKNOWN_PAIR",
  "COMMIT_BY_TOO_SOON",
  "COMMIT_BY_TOO_LATE",
  "NONCE_USED",
  "INSUFFICIENT_BALANCE",
  "INSUFFICIENT_ALLOWANCE",
  "DUPLICATE_ORDER",
  "BODY_TOO_LARGE",
  "RATE_LIMITED",
  "UPSTREAM_UNAVAILABLE",
];

/**
 * The OpenAPI 3.1 description of the relay's REST API (served at `GET /v1/openapi.json`). Paths are written
 * here, next to the routes; every request and response schema is generated from the zod schemas the relay and
 * the client use, and error statuses from the one error table. test/relay/openApi.test.ts validates it with a
 * real OpenAPI validator and generates client types from it.
 */
export const OPENAPI_DOCUMENT = {
  openapi: "3.1.0",
  info: {
    title: "Veil relay",
    version: "1",
    description:
      "Sealed and committed order intake, batches, status. What each answer discloses, and when, follows the " +
      "disclosure table of THREATS.md.",
  },
  paths: {
    "/v1/info": {
      get: {
        summary: "Relay facts: chain, settlement, ECIES key, timing, limits, tokens",
        responses: { "200": json("RelayInfo", "the relay's facts"), ...errors("RATE_LIMITED") },
      },
    },
    "/v1/quote": {
      get: {
        summary: "Fee quote: the fee to sign and the pool's current buy amount for the sell amount net of it",
        description:
          "feeAmount (sell-token base units) is this order's share of a batch's gas at the next block's " +
          "worst-case base fee plus the operator's bid, valued at the pools' spot price, plus marginBps, " +
          "rounded up to two significant bytes; intake refuses a fee below minFee (INSUFFICIENT_FEE). " +
          "buyAmount is what the pool pays now for sellAmount - feeAmount, not a promise: sign a limit below it.",
        parameters: (["sellToken", "buyToken", "sellAmount"] as const).map((name) => ({
          name,
          in: "query",
          required: true,
          schema: jsonSchema(quoteQuery.shape[name]),
        })),
        responses: {
          "200": json("Quote", "the fee to sign and the expected buy amount"),
          ...errors(
            "BAD_REQUEST",
            "SAME_TOKEN",
            "UNKNOWN_PAIR",
            "ORDER_TOO_SMALL",
            "RATE_LIMITED",
            "UPSTREAM_UNAVAILABLE",
          ),
        },
      },
    },
    "/v1/orders": {
      post: {
        summary: "Submit a sealed order (eciesjs ciphertext of {order, signature, salt})",
        requestBody: body("SealedOrderBody"),
        responses: {
          "201": json("Accepted", "durable and queued in the open batch"),
          ...errors("DECRYPT_FAILED", ...INTAKE, "RELAY_BUSY"),
        },
      },
    },
    "/v1/commitments": {
      post: {
        summary: "Commit mode: submit a leaf with the trader's Commitment signature and the order's commitBy",
        requestBody: body("CommitmentBody"),
        responses: {
          "201": json("Accepted", "durable and queued in the open batch"),
          ...errors(
            "BAD_REQUEST",
            "INVALID_SIGNATURE",
            "COMMIT_BY_TOO_SOON",
            "COMMIT_BY_TOO_LATE",
            "DUPLICATE_ORDER",
            "TOO_MANY_MISSES",
            "UNFUNDED_COMMITMENT",
            "TOO_MANY_OPEN_COMMITMENTS",
            "BODY_TOO_LARGE",
            "RATE_LIMITED",
            "RELAY_BUSY",
            "UPSTREAM_UNAVAILABLE",
          ),
        },
      },
    },
    "/v1/reveals": {
      post: {
        summary:
          "Commit mode: reveal {order, signature, salt} once the batch root is on chain and head > commitBy",
        requestBody: body("SignedOrder"),
        responses: {
          "200": json("OrderStateAnswer", "revealed"),
          ...errors("LEAF_MISMATCH", "REVEAL_WINDOW_CLOSED", "NOT_FOUND", ...INTAKE),
        },
      },
    },
    "/v1/orders/{id}": {
      parameters: [{ name: "id", in: "path", required: true, schema: jsonSchema(orderIdParam) }],
      get: {
        summary: "Order status, Merkle proof once committed, fill or reason once final",
        description:
          "The id (the order's leaf) is the capability. Before the order's batch is committed: the state only. " +
          "After the commit: + batchId, chainBatchId, leafIndex, root, proof, commitTxHash. The order, trader, " +
          "mode, fill, reason and error only once the order is final (filled, unfilled, failed, cancelled).",
        responses: {
          "200": json("OrderStatus", "the order as far as its stage discloses"),
          ...errors("BAD_REQUEST", "NOT_FOUND", "RATE_LIMITED"),
        },
      },
      delete: {
        summary: "Cancel (trader-signed Cancel typed data) while the batch is open",
        requestBody: body("CancelBody"),
        responses: {
          "200": json("OrderStateAnswer", "cancelled"),
          ...errors("BAD_REQUEST", "INVALID_SIGNATURE", "NOT_FOUND", "CANCEL_TOO_LATE", "RATE_LIMITED"),
        },
      },
    },
    "/v1/batches/{id}": {
      parameters: [{ name: "id", in: "path", required: true, schema: { type: "integer", minimum: 1 } }],
      get: {
        summary: "Batch state and timing; root and commit once committed; order ids once settled or expired",
        description:
          "Order ids come a page at a time (at most 1,000): `orderIdsTotal` says how many there are, and " +
          "`nextOffset` is the `?offset=` of the next page (null on the last).",
        parameters: [
          { name: "offset", in: "query", required: false, schema: jsonSchema(batchOffsetParam) },
          { name: "limit", in: "query", required: false, schema: jsonSchema(batchLimitParam) },
        ],
        responses: {
          "200": json("BatchStatus", "the batch as far as its stage discloses"),
          ...errors("BAD_REQUEST", "NOT_FOUND", "RATE_LIMITED"),
        },
      },
    },
    "/v1/events": {
      get: {
        summary:
          "Server-sent events: unfiltered, `batch` events only; with ?order=ID, that order's `order` events",
        description:
          "An `order` event carries the order's view as GET /v1/orders/{id} shows it at that moment (same disclosure).",
        parameters: [{ name: "order", in: "query", required: false, schema: jsonSchema(orderIdParam) }],
        responses: {
          "200": {
            description: "event stream",
            content: { "text/event-stream": { schema: { type: "string" } } },
          },
          ...errors("BAD_REQUEST", "RATE_LIMITED"),
        },
      },
    },
    "/v1/openapi.json": {
      get: {
        summary: "This document",
        responses: {
          "200": {
            description: "OpenAPI 3.1",
            content: {
              "application/json": {
                schema: {
                  type: "object",
                  required: ["openapi", "info", "paths"],
                  properties: {
                    openapi: { const: "3.1.0" },
                    info: { type: "object" },
                    paths: { type: "object" },
                  },
                },
              },
            },
          },
        },
      },
    },
    "/healthz": {
      get: {
        summary: "Liveness and the chain head the relay works on",
        responses: { "200": json("Health", "the relay can do its job"), "503": json("Health", "it cannot") },
      },
    },
    "/metrics": {
      get: {
        summary:
          "Prometheus metrics: aggregates only (orders by state, latencies, bundle and builder outcomes)",
        responses: {
          "200": {
            description: "Prometheus text format",
            content: { "text/plain": { schema: { type: "string" } } },
          },
          ...errors("RATE_LIMITED"),
        },
      },
    },
  },
  components: {
    schemas: Object.fromEntries(
      Object.entries(COMPONENTS).map(([name, schema]) => [name, jsonSchema(schema)]),
    ),
  },
};
