import { describe, expect, it } from "vitest";
import { gasCost, gasPerCallText, withinPercent } from "../../../bench/lib/gas.ts";

// The bench's gas row in fixed point: gas × wei/gas × micro-USD/ETH, divided once at the end.
describe("bench gas per call", () => {
  const fee = { gasGwei: "0.01", ethUsd: "3000" };

  it("prices one exact transfer (~86k gas) at 0.01 gwei and $3,000/ETH as $0.00257, 257% of $0.001", () => {
    const cost = gasCost({ totalGas: 85_715n, calls: 1n }, fee);
    expect(cost.usdPerCall).toBe("0.00257145");
    expect(cost.percentOfPrice).toBe("257.145");
    expect(withinPercent(cost, "1")).toBe(false);
  });

  it("spreads a channel's deposit, claim and settle share over its calls", () => {
    const perChannel = { totalGas: 169_061n, calls: 1_000n };
    expect(gasPerCallText(perChannel)).toBe("169");
    const cost = gasCost(perChannel, fee);
    expect(cost.percentOfPrice).toBe("0.5071");
    expect(withinPercent(cost, "1")).toBe(true);
    expect(withinPercent(gasCost(perChannel, { gasGwei: "0.02", ethUsd: "3000" }), "1")).toBe(false);
  });
});
