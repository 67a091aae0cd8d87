import type { Address } from "viem";
import type { RelayerPort } from "../../../chain/relayer/relayer-port.ts";
import type { PreflightOutcome, SettleOutcome } from "../../facilitator/facilitator-outcomes.ts";
import { PaymentReason } from "../../core/reasons.ts";
import type { ExactTransferMemo } from "./exact-memo.ts";
import { ExactReason } from "./exact-reasons.ts";
import type { ExactSettleRequest, ExactSettlement } from "./exact-settlement.ts";
import { reasonForRevert } from "./revert-reasons.ts";
import { balanceOfCalldata, EOA_TRANSFER_GAS, isEcdsaSignature, movedMoney, transferCalldata } from "./transfer.ts";

/**
 * Settles exact payments through this edge's own relayer (the Relayer Durable Object of the
 * network): it sends transferWithAuthorization with the relayer key and pays the gas.
 */
export class EmbeddedExactSettlement implements ExactSettlement {
  constructor(private readonly relayer: RelayerPort) {}

  /**
   * Simulates the transfer from the relayer (what settle will send) and reads the payer's balance,
   * in one round trip to the relayer. A revert is definitive; an RPC failure is not (settlement will find out).
   */
  async preflight(request: ExactSettleRequest): Promise<PreflightOutcome> {
    const call = { to: request.asset, data: transferCalldata(request.authorization, request.signature) };
    const { simulation, reads } = await this.relayer.preflight({ call, reads: [{ to: request.asset, data: balanceOfCalldata(request.authorization.from) }] });
    if (!simulation.ok) {
      const reason = reasonForRevert(simulation.message);
      return { ok: false, reason, message: simulation.message, definitive: reason !== ExactReason.transactionFailed || /revert/i.test(simulation.message) };
    }
    const balance = reads[0];
    return { ok: true, balance: balance && balance !== "0x" ? BigInt(balance) : null };
  }

  async settle(request: ExactSettleRequest): Promise<SettleOutcome> {
    const { authorization, signature, asset } = request;
    const memo: ExactTransferMemo = {
      scheme: "exact",
      network: request.network,
      replayKey: request.replayKey,
      asset,
      payer: authorization.from,
      payee: authorization.to,
      amount: authorization.value,
      validBefore: Number(authorization.validBefore),
    };
    const sent = await this.relayer.send({
      call: { to: asset, data: transferCalldata(authorization, signature), gas: isEcdsaSignature(signature) ? EOA_TRANSFER_GAS.toString() : null },
      memo,
      // After its validBefore an unmined transfer can no longer move money.
      expiresAt: memo.validBefore * 1000,
    });
    switch (sent.status) {
      case "not_sent": {
        const reason = sent.reverted ? reasonForRevert(sent.message) : PaymentReason.unexpectedSettleError;
        return { success: false, reason, message: sent.message, outcomeUnknown: false, transaction: null };
      }
      case "unknown":
        return { success: false, reason: PaymentReason.settlementPending, message: sent.message, outcomeUnknown: true, transaction: sent.hash };
      case "mined": {
        const { receipt } = sent;
        // A reverted transfer moved nothing and left the authorization unused: nothing was charged.
        if (receipt.status !== "success") return { success: false, reason: ExactReason.transactionFailed, message: `transfer ${receipt.hash} reverted`, outcomeUnknown: false, transaction: receipt.hash };
        if (!movedMoney(receipt, { asset: asset as Address, payer: authorization.from as Address, payee: authorization.to as Address, amount: authorization.value })) {
          return { success: false, reason: ExactReason.transferEventMismatch, message: `transfer ${receipt.hash} has no matching Transfer event`, outcomeUnknown: true, transaction: receipt.hash };
        }
        return { success: true, transaction: receipt.hash, payer: authorization.from };
      }
    }
  }
}
