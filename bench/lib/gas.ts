import { formatUnits, parseUnits } from "viem";

/** The fee a gas figure is priced at: stated by the bench (env-overridable), not measured. */
export interface FeeAssumption {
  /** Gas price, decimal gwei (Base's L2 execution fee; its L1 data fee is extra and not modelled). */
  gasGwei: string;
  /** ETH price, decimal USD. */
  ethUsd: string;
}

/** The price the gas share is compared with: $0.001 a call, in USDC base units (6 decimals). */
export const REFERENCE_PRICE_BASE_UNITS = 1_000n;

/** Gas spent for `calls` paid calls (all bigint: gas units are whole, the division is done in fixed point). */
export interface GasPerCall {
  totalGas: bigint;
  calls: bigint;
}

/** Gas per call with one decimal, e.g. "148.3". */
export function gasPerCallText({ totalGas, calls }: GasPerCall): string {
  return formatUnits((totalGas * 10n) / calls, 1);
}

/**
 * What that gas costs per call at the stated fee, and that as a percentage of a $0.001 price, in
 * fixed point: wei per gas × micro-USD per ETH gives units of 1e-24 USD, so nothing is rounded
 * before the last division.
 */
export function gasCost({ totalGas, calls }: GasPerCall, fee: FeeAssumption): { usdPerCall: string; percentOfPrice: string; percentScaled: bigint } {
  const weiPerGas = parseUnits(fee.gasGwei, 9);
  const microUsdPerEth = parseUnits(fee.ethUsd, 6);
  const yoctoUsd = totalGas * weiPerGas * microUsdPerEth; // 1e-24 USD, all calls
  const priceYoctoUsd = REFERENCE_PRICE_BASE_UNITS * 10n ** 18n; // base units are 1e-6 USD
  const percentScaled = (yoctoUsd * 100n * 10n ** 4n) / (calls * priceYoctoUsd); // percent, 4 decimals
  return { usdPerCall: formatUnits(yoctoUsd / calls / 10n ** 12n, 12), percentOfPrice: formatUnits(percentScaled, 4), percentScaled };
}

/** At most `percent` (decimal string) of the price. */
export function withinPercent(cost: { percentScaled: bigint }, percent: string): boolean {
  return cost.percentScaled <= parseUnits(percent, 4);
}
