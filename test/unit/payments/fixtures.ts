import { privateKeyToAccount } from "viem/accounts";
import type { PaymentConfig } from "../../../worker/config/edge-config.ts";
import { exactOffer } from "../../../worker/payments/schemes/exact/exact-offer.ts";

// Publicly known anvil keys; nothing here touches a real network.
export const payer = privateKeyToAccount("0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba");
export const stranger = privateKeyToAccount("0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e");

export const paymentConfig: PaymentConfig = {
  network: "eip155:84532",
  chainId: 84532,
  v1NetworkName: "base-sepolia",
  asset: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  assetName: "USD Coin",
  assetVersion: "2",
  payTo: "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
  maxTimeoutSeconds: 300,
  minValiditySeconds: 30,
};

const price = 12_345n;
const resource = { url: "https://edge.example/v1/chat/completions", description: "chat", mimeType: "application/json" };

/** The exact scheme's offer for one price and resource, with both kept beside it. */
export const terms = { price, resource, ...exactOffer(paymentConfig, price, resource) };
