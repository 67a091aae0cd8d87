export type { CancelMessage, JobMessage } from "../../protocol/tunnel-messages.ts";
