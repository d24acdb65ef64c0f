import { ERROR_CODES } from "../errors/errorCodes.js";

const hex32 = { type: "string", pattern: "^0x[0-9a-fA-F]{64}$" };
const hex = { type: "string", pattern: "^0x([0-9a-fA-F]{2})*$" };
const address = { type: "string", pattern: "^0x[0-9a-fA-F]{40}$" };
const uint = { type: "string", pattern: "^(0|[1-9][0-9]*)$", description: "decimal integer string" };
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ content: { "application/json": { schema } } });
const errors = (...codes: string[]) =>
  Object.fromEntries(
    [...new Set(codes.map((c) => ERROR_CODES[c as keyof typeof ERROR_CODES].status))].map((status) => [
      String(status),
      {
        description: codes
          .filter((c) => ERROR_CODES[c as keyof typeof ERROR_CODES].status === status)
          .join(", "),
        ...json(ref("Error")),
      },
    ]),
  );
const INTAKE = [
  "BAD_REQUEST",
  "INVALID_SIGNATURE",
  "ORDER_EXPIRED",
  "VALIDITY_TOO_LONG",
  "SAME_TOKEN",
  "ZERO_AMOUNT",
  "UNKNOWN_PAIR",
  "COMMIT_BY_TOO_SOON",
  "COMMIT_BY_TOO_LATE",
  "NONCE_USED",
  "INSUFFICIENT_BALANCE",
  "INSUFFICIENT_ALLOWANCE",
  "DUPLICATE_ORDER",
  "BODY_TOO_LARGE",
  "RATE_LIMITED",
];

/**
 * The OpenAPI 3.1 description of the relay's REST API (served at `GET /v1/openapi.json`), written next to
 * the routes it describes so the two change together; error statuses come from the one error table.
 */
export const OPENAPI_DOCUMENT = {
  openapi: "3.1.0",
  info: {
    title: "Veil relay",
    version: "1",
    description: "Sealed and committed order intake, batches, status.",
  },
  paths: {
    "/v1/info": {
      get: {
        summary: "Relay facts: chain, settlement, ECIES key, timing, limits, tokens",
        responses: { "200": json({ type: "object" }) },
      },
    },
    "/v1/orders": {
      post: {
        summary: "Submit a sealed order (eciesjs ciphertext of {order, signature, salt})",
        requestBody: json({ type: "object", required: ["ciphertext"], properties: { ciphertext: hex } }),
        responses: { "201": json(ref("Accepted")), ...errors("DECRYPT_FAILED", ...INTAKE) },
      },
    },
    "/v1/commitments": {
      post: {
        summary: "Commit mode: submit a leaf with the trader's Commitment signature",
        requestBody: json({
          type: "object",
          required: ["leaf", "trader", "signature", "commitBy"],
          properties: { leaf: hex32, trader: address, signature: hex, commitBy: uint },
        }),
        responses: {
          "201": json(ref("Accepted")),
          ...errors(
            "BAD_REQUEST",
            "INVALID_SIGNATURE",
            "COMMIT_BY_TOO_SOON",
            "COMMIT_BY_TOO_LATE",
            "DUPLICATE_ORDER",
            "TOO_MANY_MISSES",
            "RATE_LIMITED",
          ),
        },
      },
    },
    "/v1/reveals": {
      post: {
        summary: "Commit mode: reveal {order, signature, salt} once the batch root is on chain",
        requestBody: json(ref("SignedOrder")),
        responses: {
          "200": json({ type: "object", properties: { id: hex32, state: { const: "revealed" } } }),
          ...errors("LEAF_MISMATCH", "REVEAL_WINDOW_CLOSED", ...INTAKE),
        },
      },
    },
    "/v1/orders/{id}": {
      parameters: [{ name: "id", in: "path", required: true, schema: hex32 }],
      get: {
        summary: "Order status, Merkle proof once committed, fill or reason",
        description:
          "The id (the order's leaf) is the capability. Before the order's batch is committed: the state only. " +
          "After the commit: + batchId, chainBatchId, leafIndex, root, proof, commitTxHash. The order, trader, " +
          "mode, fill, reason and error only once the order is final (filled, unfilled, failed, cancelled).",
        responses: { "200": json(ref("OrderStatus")), ...errors("BAD_REQUEST", "NOT_FOUND") },
      },
      delete: {
        summary: "Cancel (trader-signed Cancel typed data) while the batch is open",
        requestBody: json({ type: "object", required: ["signature"], properties: { signature: hex } }),
        responses: {
          "200": json({ type: "object", properties: { id: hex32, state: { const: "cancelled" } } }),
          ...errors("BAD_REQUEST", "INVALID_SIGNATURE", "NOT_FOUND", "CANCEL_TOO_LATE"),
        },
      },
    },
    "/v1/batches/{id}": {
      parameters: [{ name: "id", in: "path", required: true, schema: { type: "integer", minimum: 1 } }],
      get: {
        summary: "Batch state, root, commit block and txs, order ids",
        description:
          "Before the commit: state (open), leafCount once closed, timing. After the commit: + chainBatchId, root, " +
          "commitBlock, commitTxHash. orderIds and settleTxHash only once the batch is settled or expired.",
        responses: { "200": json(ref("BatchStatus")), ...errors("BAD_REQUEST", "NOT_FOUND") },
      },
    },
    "/v1/events": {
      get: {
        summary:
          "Server-sent events: unfiltered, `batch` {id, state} only; with ?order=ID, that order's `order` events",
        description:
          "An `order` event carries the order's view as GET /v1/orders/{id} shows it at that moment (same disclosure).",
        parameters: [{ name: "order", in: "query", required: false, schema: hex32 }],
        responses: { "200": { description: "text/event-stream" } },
      },
    },
    "/healthz": {
      get: {
        summary: "Liveness and the chain head the relay works on (no batch or order ids)",
        responses: {
          "200": json({ type: "object", properties: { ok: { type: "boolean" }, head: uint } }),
        },
      },
    },
    "/metrics": {
      get: {
        summary:
          "Prometheus metrics: aggregates only (orders by state, latencies, bundle outcomes, intake codes)",
        responses: { "200": { description: "text/plain" } },
      },
    },
  },
  components: {
    schemas: {
      Error: {
        type: "object",
        required: ["error"],
        properties: {
          error: {
            type: "object",
            required: ["code", "message"],
            properties: {
              code: { enum: Object.keys(ERROR_CODES) },
              message: { type: "string" },
              details: {},
            },
          },
        },
      },
      Accepted: {
        type: "object",
        properties: { id: hex32, state: { const: "pending" }, batchId: { type: "integer" } },
      },
      Order: {
        type: "object",
        required: [
          "trader",
          "sellToken",
          "buyToken",
          "sellAmount",
          "minBuyAmount",
          "nonce",
          "validTo",
          "commitBy",
        ],
        properties: {
          trader: address,
          sellToken: address,
          buyToken: address,
          sellAmount: uint,
          minBuyAmount: uint,
          nonce: uint,
          validTo: uint,
          commitBy: { ...uint, description: "last block its batch may be committed in (order v2)" },
        },
      },
      SignedOrder: {
        type: "object",
        required: ["order", "signature", "salt"],
        properties: { order: ref("Order"), signature: hex, salt: hex32 },
      },
      BatchStatus: {
        type: "object",
        properties: {
          id: { type: "integer" },
          state: { enum: ["open", "committed", "settled", "expired"] },
          leafCount: { type: ["integer", "null"] },
          createdAt: { type: "integer" },
          closedAt: { type: ["integer", "null"] },
          chainBatchId: { type: ["string", "null"] },
          root: { type: ["string", "null"] },
          commitBlock: { type: ["string", "null"] },
          commitTxHash: { type: ["string", "null"] },
          settleTxHash: { type: ["string", "null"] },
          settledAt: { type: ["integer", "null"] },
          orderIds: { type: ["array", "null"], items: hex32 },
        },
      },
      OrderStatus: {
        type: "object",
        properties: {
          id: hex32,
          mode: { enum: ["sealed", "commit", null] },
          trader: { oneOf: [address, { type: "null" }] },
          state: { enum: ["pending", "committed", "revealed", "filled", "unfilled", "failed", "cancelled"] },
          batchId: { type: ["integer", "null"] },
          chainBatchId: { type: ["string", "null"] },
          leafIndex: { type: ["integer", "null"] },
          root: { type: ["string", "null"] },
          proof: { type: ["array", "null"], items: hex32 },
          commitTxHash: { type: ["string", "null"] },
          order: { oneOf: [ref("Order"), { type: "null" }] },
          fill: {
            type: ["object", "null"],
            properties: { sellAmount: uint, buyAmount: uint, txHash: hex32, blockNumber: uint },
          },
          reason: { type: ["string", "null"] },
          error: { type: ["string", "null"] },
        },
      },
    },
  },
} as const;
