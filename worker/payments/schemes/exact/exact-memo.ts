import { z } from "zod";

/**
 * What the exact scheme journals with each transfer it has the relayer send: enough to put the
 * payment in the ledger should the transfer land while no paid call waits for it (recovery.ts).
 */
export const ExactTransferMemoSchema = z.object({
  scheme: z.literal("exact"),
  network: z.string(),
  replayKey: z.string(),
  asset: z.string(),
  payer: z.string(),
  payee: z.string(),
  amount: z.string(),
  validBefore: z.number(),
});

export type ExactTransferMemo = z.infer<typeof ExactTransferMemoSchema>;
