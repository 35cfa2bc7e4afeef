/**
 * Resolving mappings on the server: browse paths to NodeIds (TranslateBrowsePathsToNodeIds,
 * OPC 10000-4 §5.8.4), then each node's EngineeringUnits and EURange properties (OPC 10000-8
 * §5.3.2, AnalogItemType), read in one request each.
 */
import { AttributeIds, makeBrowsePath, resolveNodeId, StatusCodes, type ClientSession, type NodeId } from 'node-opcua';
import { mappingNode, type NodeMapping } from './config.ts';

/**
 * Nodes per Read / TranslateBrowsePaths request: servers cap them (OperationLimits
 * MaxNodesPerRead, MaxNodesPerTranslateBrowsePathsToNodeIds, OPC 10000-5 §6.3.11) and answer
 * BadTooManyOperations above; 1,000 is under every limit node-opcua and common PLCs set.
 */
const NODES_PER_CALL = 1000;

async function chunked<T, R>(items: readonly T[], call: (slice: T[]) => Promise<R[]>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += NODES_PER_CALL) results.push(...(await call(items.slice(start, start + NODES_PER_CALL))));
  return results;
}

export interface ResolvedNode {
  readonly mapping: NodeMapping;
  /** Absent when the node could not be found: its status says why. */
  readonly nodeId?: NodeId;
  readonly statusCode: number;
  readonly statusName: string;
  /** EUInformation displayName, when the node has EngineeringUnits. */
  readonly unit?: string;
  readonly range?: { low: number; high: number };
}

/** `1:north-plant/1:Outlet/1:Turbidity` from the Objects folder, as the BNF of OPC 10000-4 Annex A.2 ("/" hierarchical references). */
export function objectsPath(browsePath: string): string {
  return `/Objects/${browsePath.replace(/^\/+/, '')}`;
}

export async function resolveNodes(session: ClientSession, mappings: readonly NodeMapping[]): Promise<ResolvedNode[]> {
  const byPath = mappings.map((m, i) => [m, i] as const).filter(([m]) => m.browsePath !== undefined);
  const translated = byPath.length > 0 ? await chunked(byPath.map(([m]) => makeBrowsePath('RootFolder', objectsPath(m.browsePath!))), (slice) => session.translateBrowsePath(slice)) : [];
  const found: { nodeId?: NodeId; statusCode: number; statusName: string }[] = mappings.map((m) => {
    if (m.nodeId === undefined) return { statusCode: StatusCodes.BadNoMatch.value, statusName: 'BadNoMatch' };
    try {
      return { nodeId: resolveNodeId(m.nodeId), statusCode: 0, statusName: 'Good' };
    } catch {
      return { statusCode: StatusCodes.BadNodeIdInvalid.value, statusName: 'BadNodeIdInvalid' };
    }
  });
  byPath.forEach(([, index], k) => {
    const result = translated[k];
    const target = result?.targets?.[0];
    found[index] = result && result.statusCode.isGood() && target ? { nodeId: target.targetId as unknown as NodeId, statusCode: 0, statusName: 'Good' } : { statusCode: result?.statusCode.value ?? StatusCodes.BadNoMatch.value, statusName: result?.statusCode.name ?? 'BadNoMatch' };
  });
  const known = found.map((f, i) => [f, i] as const).filter(([f]) => f.nodeId !== undefined);
  const properties = await nodeProperties(session, known.map(([f]) => f.nodeId!));
  const nodeClassProblem = new Map<number, { code: number; name: string }>();
  properties.forEach((p, k) => {
    if (p.missing) nodeClassProblem.set(known[k]![1], p.missing);
  });
  return mappings.map((mapping, i) => {
    const f = found[i]!;
    const k = known.findIndex(([, index]) => index === i);
    const p = k >= 0 ? properties[k] : undefined;
    const missing = nodeClassProblem.get(i);
    const status = missing ? { statusCode: missing.code, statusName: missing.name } : { statusCode: f.statusCode, statusName: f.statusName };
    return { mapping, ...(f.nodeId && { nodeId: f.nodeId }), ...status, ...(p?.unit !== undefined && { unit: p.unit }), ...(p?.range && { range: p.range }) };
  });
}

/** Each node's unit and range (absent when it has none), and whether it exists at all. */
export async function nodeProperties(session: ClientSession, nodeIds: readonly NodeId[]): Promise<{ unit?: string; range?: { low: number; high: number }; missing?: { code: number; name: string } }[]> {
  if (nodeIds.length === 0) return [];
  const paths = nodeIds.flatMap((nodeId) => [makeBrowsePath(nodeId, '.EngineeringUnits'), makeBrowsePath(nodeId, '.EURange')]);
  const translated = await chunked(paths, (slice) => session.translateBrowsePath(slice));
  const classes = await chunked(nodeIds.map((nodeId) => ({ nodeId, attributeId: AttributeIds.NodeClass })), (slice) => session.read(slice));
  const targets = translated.map((t) => (t.statusCode.isGood() ? t.targets?.[0]?.targetId : undefined));
  const toRead = targets.map((t, i) => [t, i] as const).filter(([t]) => t !== undefined);
  const values = await chunked(toRead.map(([t]) => ({ nodeId: t as unknown as NodeId, attributeId: AttributeIds.Value })), (slice) => session.read(slice));
  const valueAt = new Map(toRead.map(([, i], k) => [i, values[k]?.value.value as unknown]));
  return nodeIds.map((_, n) => {
    const eu = valueAt.get(2 * n) as { displayName?: { text?: string | null } } | undefined;
    const range = valueAt.get(2 * n + 1) as { low?: number; high?: number } | undefined;
    const nodeClass = classes[n]?.statusCode;
    const unit = eu?.displayName?.text ?? undefined;
    return {
      ...(unit !== undefined && unit !== null && { unit }),
      ...(range && typeof range.low === 'number' && typeof range.high === 'number' && { range: { low: range.low, high: range.high } }),
      ...(nodeClass && !nodeClass.isGood() && { missing: { code: nodeClass.value, name: nodeClass.name } }),
    };
  });
}

export { mappingNode };
