import type { Order } from "../../client/order/order.js";
import { RelayError } from "../errors/relayError.js";
import type { RelayContext } from "../relayContext.js";
import { feeQuoterOf } from "./feeQuoter.js";

/**
 * Intake's fee floor (issue 17), for sealed orders at submission and commit-mode orders at reveal: refuses an
 * order worth less than the minimum order value or no more than its fee (`ORDER_TOO_SMALL`), and one whose
 * signed `feeAmount` is below its gas share at the current base fee and bid (`INSUFFICIENT_FEE`, with
 * `details.neededFee`). No margin here: the quote's margin is the room a quoted fee has while the base fee
 * rises. Off with `--fee-policy off`. A sell token the relay cannot value in WETH is not refused here (its
 * pool pair was checked already): the relay then carries that order's gas itself.
 *
 * Commit mode learns the fee only at the reveal, after the leaf was committed. Until then the relay is
 * protected as for any commitment: the trader must hold and have approved a relay token
 * (`UNFUNDED_COMMITMENT`), open commitments are capped per trader, and a missed reveal counts against the
 * trader and its IP. A reveal refused here leaves the leaf unexecuted (`NOT_REVEALED`, a miss); the relay's
 * loss is that leaf's 32 bytes in the settle calldata (~600 gas), not an order's gas.
 * @throws RelayError ORDER_TOO_SMALL | INSUFFICIENT_FEE | UPSTREAM_UNAVAILABLE
 */
export async function checkOrderFee(ctx: RelayContext, order: Order): Promise<void> {
  const quoter = feeQuoterOf(ctx);
  if (!quoter.enforced) return;
  const need = await quoter.need(order.sellToken);
  if (!need) return;
  await quoter.checkSize(order.sellToken, order.sellAmount, order.feeAmount);
  if (order.feeAmount < need.minFee)
    throw new RelayError(
      "INSUFFICIENT_FEE",
      `feeAmount ${order.feeAmount} is below the ${need.minFee} this order's gas costs now; ask GET /v1/quote`,
      {
        details: {
          neededFee: need.minFee.toString(),
          quotedFee: need.quotedFee.toString(),
          feeAmount: order.feeAmount.toString(),
          sellToken: order.sellToken,
        },
      },
    );
}
