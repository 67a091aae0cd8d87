/** The edge's one PaymentLedger object (sharding by payer is the known next step: ARCHITECTURE "Known limits"). */
export const ledgerOf = (env: Env) => env.PAYMENT_LEDGER.getByName("ledger");
