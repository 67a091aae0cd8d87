import { z } from "zod";

/** What to call for a `<service>` argument, and how it was found (shown to the user). */
export interface ResolvedService {
  method: string;
  /** Path on the edge, starting with `/`. */
  path: string;
  source: "path" | "catalog" | "alias" | "default";
}

export type ServiceResolution = { ok: true; service: ResolvedService; note?: string } | { ok: false; problem: string };

/** Services whose path is not `/v1/<name>`. */
export const SERVICE_ALIASES: Readonly<Record<string, string>> = {
  chat: "/v1/chat/completions",
  embeddings: "/v1/embeddings",
};

export const CATALOG_PATH = "/.well-known/x402";

/**
 * The edge's discovery document, read leniently: only each entry's id and where it lives matter here.
 * Both `{resources: [{id, path | url, …}]}` and the bazaar-like `{items: [{resource, metadata: {id}}]}`
 * are understood; anything else the edge adds is ignored.
 */
const EntrySchema = z.looseObject({
  id: z.string().optional(),
  method: z.string().optional(),
  path: z.string().optional(),
  url: z.string().optional(),
  resource: z.string().optional(),
  metadata: z.looseObject({ id: z.string().optional() }).optional(),
});
const ResourcesCatalog = z.object({ resources: z.array(EntrySchema) });
const ItemsCatalog = z.object({ items: z.array(EntrySchema) });

interface CatalogEntry {
  id?: string;
  method?: string;
  path?: string;
  url?: string;
  resource?: string;
}

export type Catalog = { status: "ok"; resources: CatalogEntry[] } | { status: "absent"; why: string };

/** GET /.well-known/x402; a 404, a network error or an unexpected shape all mean "no catalog". */
export async function fetchCatalog(edgeUrl: string, fetchImpl: typeof fetch): Promise<Catalog> {
  let response: Response;
  try {
    response = await fetchImpl(`${edgeUrl}${CATALOG_PATH}`, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    return { status: "absent", why: `cannot fetch ${CATALOG_PATH}: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    return { status: "absent", why: `the edge has no ${CATALOG_PATH} (HTTP ${response.status})` };
  }
  let json: unknown;
  try {
    json = await response.json();
  } catch {
    return { status: "absent", why: `${CATALOG_PATH} is not JSON` };
  }
  const entries = ResourcesCatalog.safeParse(json).data?.resources ?? ItemsCatalog.safeParse(json).data?.items;
  if (!entries) return { status: "absent", why: `${CATALOG_PATH} has no resources list this client understands` };
  return {
    status: "ok",
    resources: entries.map(({ id, metadata, method, path, url, resource }) => {
      const entryId = id ?? metadata?.id;
      return {
        ...(entryId !== undefined && { id: entryId }),
        ...(method !== undefined && { method }),
        ...(path !== undefined && { path }),
        ...(url !== undefined && { url }),
        ...(resource !== undefined && { resource }),
      };
    }),
  };
}

/**
 * A `/path` is used as is. A name is looked up by `id` in the edge's catalog (entries without an id
 * by their path `/v1/<name>`); without a catalog (or
 * when the catalog does not list it) the built-in aliases apply, then — only without a catalog —
 * `/v1/<name>`. A catalog that lacks the name is the edge saying it does not sell it.
 */
export function resolveService(service: string, catalog: Catalog): ServiceResolution {
  if (service.startsWith("/")) return { ok: true, service: { method: "POST", path: service, source: "path" } };
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(service)) {
    return { ok: false, problem: `"${service}" is neither a path (starting with /) nor a service name like chat or pii-detect` };
  }

  if (catalog.status === "ok") {
    // By id; a catalog without ids (bazaar-style, `resource` URLs only) is matched on /v1/<name>.
    const name = service.toLowerCase();
    const entry =
      catalog.resources.find((r) => r.id?.toLowerCase() === name) ??
      catalog.resources.find((r) => r.id === undefined && entryPath(r)?.toLowerCase() === `/v1/${name}`);
    if (entry) {
      const path = entryPath(entry);
      if (!path) return { ok: false, problem: `the edge's catalog lists "${service}" without a path or url` };
      return { ok: true, service: { method: (entry.method ?? "POST").toUpperCase(), path, source: "catalog" } };
    }
  }
  const alias = SERVICE_ALIASES[service.toLowerCase()];
  if (alias) return { ok: true, service: { method: "POST", path: alias, source: "alias" } };
  if (catalog.status === "ok") {
    const ids = catalog.resources.flatMap((r) => (r.id ? [r.id] : []));
    return {
      ok: false,
      problem: `the edge does not sell "${service}"${ids.length > 0 ? `; its catalog lists: ${ids.join(", ")}` : ""} (or pass a path like /v1/${service})`,
    };
  }
  return { ok: true, service: { method: "POST", path: `/v1/${service}`, source: "default" }, note: catalog.why };
}

function entryPath(entry: CatalogEntry): string | null {
  if (entry.path?.startsWith("/")) return entry.path;
  for (const candidate of [entry.url, entry.resource]) {
    if (!candidate) continue;
    try {
      const url = new URL(candidate);
      return `${url.pathname}${url.search}`;
    } catch {
      if (candidate.startsWith("/")) return candidate;
    }
  }
  return null;
}
