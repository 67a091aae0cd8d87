import type { IncomingMessage, ServerResponse } from "node:http";
import type { LoadedModels } from "./loaded-models.ts";
import type { ModelCatalog } from "./model-catalog.ts";
import type { FailureBook } from "./failure-book.ts";
import type { ScriptBook } from "./script-book.ts";
import type { SlotScheduler } from "./slot-scheduler.ts";
import type { StatsTracker } from "./stats-tracker.ts";
import type { TokenPacer } from "./token-pacer.ts";
import type { RecordedRequest } from "./types.ts";

/** Everything one stand-in instance shares across requests. */
export interface StandinState {
  readonly catalog: ModelCatalog;
  readonly scheduler: SlotScheduler;
  readonly pacer: TokenPacer;
  readonly stats: StatsTracker;
  readonly failures: FailureBook;
  readonly scripts: ScriptBook;
  readonly loaded: LoadedModels;
  readonly requests: RecordedRequest[];
  readonly version: string;
}

/** One request as a route sees it. */
export interface RouteContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly body: Buffer;
  /** When the request arrived (clock.ts nowNs), the origin of total_duration. */
  readonly startNs: bigint;
  /** Aborted when the client goes away before the response is finished. */
  readonly signal: AbortSignal;
  readonly state: StandinState;
}

export type RouteHandler = (ctx: RouteContext) => void | Promise<void>;
