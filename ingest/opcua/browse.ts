/**
 * `clearwater opcua browse`: a server's address space from the Objects folder (or a browse path
 * below it) with NodeIds, data types, units and ranges, and a ready `plants:` block for the
 * config. Finding NodeIds is the first thing every OPC UA user struggles with.
 * The walk follows hierarchical references forward (OPC 10000-3 §7.3), leaves out properties
 * (HasProperty: EURange, EngineeringUnits are shown on their variable) and namespace 0 (the
 * Server object) unless asked for by path.
 */
import { AttributeIds, BrowseDirection, DataType, NodeClass, ReferenceTypeIds, resolveNodeId, type ClientSession, type NodeId } from 'node-opcua';
import { makeBrowsePath } from 'node-opcua';
import type { MetricName } from '../../network/metrics.ts';
import { nodeProperties, objectsPath } from './nodes.ts';

export interface BrowsedNode {
  /** Browse path from the Objects folder, `1:north-plant/1:Outlet/1:Turbidity`. */
  readonly path: string;
  readonly nodeId: string;
  readonly nodeClass: 'Object' | 'Variable' | 'Method';
  readonly depth: number;
  readonly dataType?: string;
  readonly unit?: string;
  readonly range?: { readonly low: number; readonly high: number };
  readonly description?: string;
}

const CLASSES = NodeClass.Object | NodeClass.Variable | NodeClass.Method;

export async function browseTree(session: ClientSession, options: { path?: string; maxNodes?: number } = {}): Promise<BrowsedNode[]> {
  const maxNodes = options.maxNodes ?? 5000;
  let start: NodeId = resolveNodeId('ObjectsFolder');
  const prefix = options.path?.replace(/^\/+|\/+$/g, '') ?? '';
  if (prefix) {
    const [result] = await session.translateBrowsePath([makeBrowsePath('RootFolder', objectsPath(prefix))]);
    const target = result?.targets?.[0]?.targetId;
    if (!result?.statusCode.isGood() || !target) throw new Error(`no node at browse path ${prefix} (${result?.statusCode.name ?? 'no answer'})`);
    start = target as unknown as NodeId;
  }
  const found: BrowsedNode[] = [];
  // Depth first, so each node's children print under it.
  const walk = async (nodeId: NodeId, path: string, depth: number): Promise<void> => {
    const result = await session.browse({ nodeId, referenceTypeId: ReferenceTypeIds.HierarchicalReferences, includeSubtypes: true, browseDirection: BrowseDirection.Forward, nodeClassMask: CLASSES, resultMask: 63 });
    for (const ref of result.references ?? []) {
      if (found.length >= maxNodes) return;
      if (ref.referenceTypeId.value === ReferenceTypeIds.HasProperty && ref.referenceTypeId.namespace === 0) continue;
      if (!prefix && depth === 0 && ref.nodeId.namespace === 0) continue; // the Server object and other standard nodes
      const childPath = `${path ? `${path}/` : ''}${ref.browseName.namespaceIndex}:${ref.browseName.name ?? ''}`;
      const nodeClass = ref.nodeClass === NodeClass.Variable ? 'Variable' : ref.nodeClass === NodeClass.Method ? 'Method' : 'Object';
      found.push({ path: childPath, nodeId: ref.nodeId.toString(), nodeClass, depth: depth + 1 });
      if (nodeClass === 'Object') await walk(ref.nodeId as unknown as NodeId, childPath, depth + 1);
    }
  };
  await walk(start, prefix, 0);
  return describeVariables(session, found);
}

async function describeVariables(session: ClientSession, nodes: BrowsedNode[]): Promise<BrowsedNode[]> {
  const variables = nodes.filter((n) => n.nodeClass === 'Variable');
  if (variables.length === 0) return nodes;
  const ids = variables.map((v) => resolveNodeId(v.nodeId));
  const [types, descriptions, properties] = await Promise.all([
    session.read(ids.map((nodeId) => ({ nodeId, attributeId: AttributeIds.DataType }))),
    session.read(ids.map((nodeId) => ({ nodeId, attributeId: AttributeIds.Description }))),
    nodeProperties(session, ids),
  ]);
  const extra = new Map(variables.map((v, i) => {
    const typeId = types[i]?.value.value as NodeId | undefined;
    const dataType = typeId ? (typeId.namespace === 0 && typeof typeId.value === 'number' && DataType[typeId.value] ? DataType[typeId.value] : typeId.toString()) : undefined;
    const text = (descriptions[i]?.value.value as { text?: string | null } | undefined)?.text ?? undefined;
    const p = properties[i];
    return [v.nodeId, { ...(dataType && { dataType }), ...(text && { description: text }), ...(p?.unit !== undefined && { unit: p.unit }), ...(p?.range && { range: p.range }) }];
  }));
  return nodes.map((n) => ({ ...n, ...extra.get(n.nodeId) }));
}

/** The tree as text: one line per node, indented, with NodeId, data type, unit and range. Pure. */
export function formatTree(nodes: readonly BrowsedNode[]): string {
  return nodes
    .map((n) => {
      const name = n.path.split('/').at(-1) ?? n.path;
      const facts = [n.nodeClass, n.dataType, n.unit && `[${n.unit}]`, n.range && `${n.range.low}..${n.range.high}`].filter(Boolean).join(' ');
      return `${'  '.repeat(Math.max(0, n.depth - 1))}${name}  ${n.nodeId}  ${facts}${n.description ? `  — ${n.description}` : ''}`;
    })
    .join('\n');
}

/** The registry metric a node probably is, by its unit and name; undefined when unsure. Pure. */
export function guessMetric(node: Pick<BrowsedNode, 'path' | 'unit'>): MetricName | undefined {
  const name = node.path.toLowerCase();
  switch (node.unit) {
    case 'NTU':
    case 'FNU':
      return 'turbidity';
    case 'pH':
      return 'ph';
    case 'kPa':
    case 'MPa':
    case 'bar':
      return 'pressure';
    case 'm³/h':
    case 'm3/h':
    case 'L/s':
      return 'flow';
    case '°C':
      return 'temperature';
    case 'mg/L':
      return /chlorine/.test(name) && !/dose/.test(name) ? 'free_chlorine' : undefined;
    case 'm':
      return /level/.test(name) ? 'level' : undefined;
    default:
      return undefined;
  }
}

/** A `plants:` entry with one mapping per variable whose metric could be guessed; the rest as comments. Pure. */
export function mappingBlock(plantId: string, endpoint: string, security: { mode: string; policy: string }, nodes: readonly BrowsedNode[]): string {
  const lines = [
    'plants:',
    `  - id: ${plantId}`,
    `    endpoint: ${endpoint}`,
    `    securityMode: ${security.mode}`,
    `    securityPolicy: ${security.policy}`,
    '    mappings:',
    '      # device: the catalog device each reading belongs to (replace DEVICE); metric: a registry metric',
  ];
  for (const node of nodes.filter((n) => n.nodeClass === 'Variable')) {
    const metric = guessMetric(node);
    const about = [node.unit && `[${node.unit}]`, node.range && `${node.range.low}..${node.range.high}`, node.description].filter(Boolean).join(' ');
    const entry = `{ nodeId: "${node.nodeId}", device: DEVICE, metric: ${metric ?? 'METRIC'} }`;
    lines.push(metric ? `      - ${entry}  # ${about}` : `      # - ${entry}  # ${about} (no registry metric guessed)`);
  }
  return lines.join('\n');
}
