/**
 * Writes network/sample/county.yaml, the sample county network: 4 townships, 13 villages, 70 devices,
 * 2 treatment plants with their sources and clear-water reservoirs, trunk mains, booster
 * stations and village taps, the mains between them, and who is told about tickets (18
 * recipients). The devices are the shared instrument table's (../catalog/instruments.ts).
 * Passwords are derived from the demo secret (../credentials.ts); a hash in the file it replaces
 * that still verifies is kept (scrypt salts are random), so running it again changes nothing.
 *
 *   node --import tsx simulators/tools/generate-sample-catalog.ts [FILE]   (default network/sample/county.yaml)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Document, isMap, isPair, isScalar, isSeq, parse } from 'yaml';
import type { CatalogDocument, SiteKind } from '../../network/catalog.ts';
import type { MetricName } from '../../network/metrics.ts';
import { verifyPassword } from '../../network/password.ts';
import { checkedCatalog, withPasswordHashes } from '../catalog/generate.ts';
import { install, instruments, TAP_QUALITY, type DeviceSpec, type Instrument } from '../catalog/instruments.ts';
import { derivedPassword } from '../credentials.ts';

const target = process.argv[2] ?? fileURLToPath(new URL('../../network/sample/county.yaml', import.meta.url));

type SiteInput = { id: string; name: string; kind: SiteKind; township: string; village?: string; zone: string; lat: number; lon: number };

const townships = [
  { id: 'tongmen', name: '桐门镇 Tongmen' },
  { id: 'shangyuan', name: '上源乡 Shangyuan' },
  { id: 'xiaxi', name: '下溪乡 Xiaxi' },
  { id: 'baishan', name: '白山镇 Baishan' },
];
const villages = [
  ['tongmen', '桐门村 Tongmen', 'tongmen'],
  ['dongqiao', '东桥村 Dongqiao', 'tongmen'],
  ['xiwan', '西湾村 Xiwan', 'tongmen'],
  ['shangyuan', '上源村 Shangyuan', 'shangyuan'],
  ['lingxia', '岭下村 Lingxia', 'shangyuan'],
  ['zhukeng', '竹坑村 Zhukeng', 'shangyuan'],
  ['xiaxi', '下溪村 Xiaxi', 'xiaxi'],
  ['shitan', '石滩村 Shitan', 'xiaxi'],
  ['huangni', '黄泥村 Huangni', 'xiaxi'],
  ['baishan', '白山村 Baishan', 'baishan'],
  ['qianyang', '前洋村 Qianyang', 'baishan'],
  ['houwu', '后坞村 Houwu', 'baishan'],
  ['chayuan', '茶园村 Chayuan', 'baishan'],
].map(([id, name, township]) => ({ id: id!, name: name!, township: township! }));

const zones = [
  { id: 'north', name: '城北水厂供水区 North plant service area' },
  { id: 'south', name: '南山水厂供水区 Nanshan plant service area' },
];

const sites: SiteInput[] = [
  // North plant: river intake, plant, clear-water reservoir on the hill.
  { id: 'north-intake', name: '城北取水口 North river intake', kind: 'source', township: 'tongmen', zone: 'north', lat: 29.6121, lon: 119.7402 },
  { id: 'north-plant', name: '城北水厂 North treatment plant', kind: 'plant', township: 'tongmen', zone: 'north', lat: 29.6083, lon: 119.7465 },
  { id: 'north-reservoir', name: '城北清水池 North clear-water reservoir', kind: 'reservoir', township: 'tongmen', zone: 'north', lat: 29.6051, lon: 119.7531 },
  // South plant: reservoir intake, plant, hill tank.
  { id: 'south-intake', name: '南山水库取水 Nanshan reservoir intake', kind: 'source', township: 'baishan', zone: 'south', lat: 29.5012, lon: 119.8123 },
  { id: 'south-plant', name: '南山水厂 Nanshan treatment plant', kind: 'plant', township: 'baishan', zone: 'south', lat: 29.5064, lon: 119.8071 },
  { id: 'south-reservoir', name: '南山高位水池 Nanshan hill tank', kind: 'reservoir', township: 'baishan', zone: 'south', lat: 29.5102, lon: 119.8015 },
  // Trunk mains.
  { id: 'main-north-dn600', name: '城北DN600主管 North DN600 trunk', kind: 'main', township: 'tongmen', zone: 'north', lat: 29.5982, lon: 119.7588 },
  { id: 'main-tongmen-dn300', name: '桐门DN300支管 Tongmen DN300', kind: 'main', township: 'tongmen', village: 'tongmen', zone: 'north', lat: 29.5911, lon: 119.7652 },
  { id: 'main-shangyuan-dn300', name: '上源DN300支管 Shangyuan DN300', kind: 'main', township: 'shangyuan', zone: 'north', lat: 29.5803, lon: 119.7211 },
  { id: 'main-south-dn500', name: '南山DN500主管 Nanshan DN500 trunk', kind: 'main', township: 'baishan', zone: 'south', lat: 29.5154, lon: 119.7944 },
  { id: 'main-xiaxi-dn300', name: '下溪DN300支管 Xiaxi DN300', kind: 'main', township: 'xiaxi', zone: 'south', lat: 29.5412, lon: 119.7756 },
  { id: 'main-baishan-dn200', name: '白山DN200支管 Baishan DN200', kind: 'main', township: 'baishan', zone: 'south', lat: 29.4951, lon: 119.8231 },
  // Booster stations for the hill villages.
  { id: 'booster-shangyuan', name: '上源加压站 Shangyuan booster', kind: 'booster', township: 'shangyuan', zone: 'north', lat: 29.5722, lon: 119.7103 },
  { id: 'booster-lingxia', name: '岭下加压站 Lingxia booster', kind: 'booster', township: 'shangyuan', zone: 'north', lat: 29.5654, lon: 119.6987 },
  { id: 'booster-houwu', name: '后坞加压站 Houwu booster', kind: 'booster', township: 'baishan', zone: 'south', lat: 29.4833, lon: 119.8354 },
];

const villageTaps: Array<[string, number, number]> = [
  ['tongmen', 29.5884, 119.7701],
  ['dongqiao', 29.5931, 119.7812],
  ['xiwan', 29.5842, 119.7573],
  ['shangyuan', 29.5701, 119.7152],
  ['lingxia', 29.5612, 119.6941],
  ['zhukeng', 29.5533, 119.7034],
  ['xiaxi', 29.5389, 119.7802],
  ['shitan', 29.5301, 119.7711],
  ['huangni', 29.5244, 119.7901],
  ['baishan', 29.4977, 119.8211],
  ['qianyang', 29.4902, 119.8102],
  ['houwu', 29.4801, 119.8389],
  ['chayuan', 29.4756, 119.8277],
];
const zoneOf = (township: string) => (township === 'tongmen' || township === 'shangyuan' ? 'north' : 'south');
for (const [village, lat, lon] of villageTaps) {
  const township = villages.find((v) => v.id === village)!.township;
  sites.push({ id: `${village}-tap`, name: `${villages.find((v) => v.id === village)!.name} 村口龙头 village tap`, kind: 'tap', township, village, zone: zoneOf(township), lat, lon });
}
// Tongmen has a second tap at the far end of its old cast-iron main, where yellow water shows first.
sites.push({ id: 'tongmen-end-tap', name: '桐门村末端龙头 Tongmen network-end tap', kind: 'tap', township: 'tongmen', village: 'tongmen', zone: 'north', lat: 29.5851, lon: 119.7749 });

const devices: DeviceSpec[] = [];
const add = (site: string, instrument: Instrument, changes?: Partial<Instrument>) => devices.push(install(site, instrument, changes));

for (const plant of ['north', 'south']) {
  add(`${plant}-intake`, instruments.sonde);
  for (const instrument of [instruments.plantTurbidimeter, instruments.plantChlorine, instruments.plantPh, instruments.flowMeter]) add(`${plant}-plant`, instrument);
  for (const filter of [1, 2, 3, 4]) add(`${plant}-plant`, instruments.filterTurbidimeter, { suffix: `filter${filter}` });
  add(`${plant}-plant`, instruments.doseController);
  add(`${plant}-reservoir`, instruments.reservoirLevel);
  add(`${plant}-reservoir`, instruments.reservoirChlorine);
}
for (const main of sites.filter((s) => s.kind === 'main')) add(main.id, instruments.mainLogger);
// Water quality on the trunks and on Tongmen's old main, upstream of the taps.
for (const main of ['main-north-dn600', 'main-south-dn500', 'main-tongmen-dn300']) add(main, instruments.mainQuality);
for (const booster of sites.filter((s) => s.kind === 'booster')) {
  for (const instrument of [instruments.boosterTank, instruments.suctionPressure, instruments.dischargePressure]) add(booster.id, instrument);
}
for (const tap of sites.filter((s) => s.kind === 'tap')) {
  // Tongmen's old cast-iron main: colour and iron too, where yellow water shows.
  const quality: MetricName[] = tap.village === 'tongmen' ? [...TAP_QUALITY, 'color', 'iron'] : [...TAP_QUALITY];
  add(tap.id, instruments.tapStation, { metrics: quality });
  // Baishan township's network-end pressure loggers run on batteries: they sample every minute
  // and upload every 15 minutes over the cellular network, the period's samples in one message
  // (common practice for such loggers; 15 min a modelling choice). Elsewhere they are on mains
  // power and real-time, as are the mains' loggers, which see a burst first.
  add(tap.id, instruments.tapPressure, tap.township === 'baishan' ? { uploadEveryS: 900 } : {});
}

const mains: NonNullable<CatalogDocument['mains']> = [
  { id: 'north-raw', name: '城北原水管 North raw-water main', dnMm: 800, sites: ['north-intake', 'north-plant', 'north-reservoir'] },
  { id: 'north-dn600', name: '城北DN600主管 North DN600 trunk', dnMm: 600, sites: ['north-reservoir', 'main-north-dn600', 'xiwan-tap'] },
  { id: 'dongqiao-branch', name: '东桥支管 Dongqiao branch', dnMm: 150, sites: ['main-north-dn600', 'dongqiao-tap'] },
  { id: 'tongmen-dn300', name: '桐门DN300支管 Tongmen DN300', dnMm: 300, sites: ['main-north-dn600', 'main-tongmen-dn300', 'tongmen-tap', 'tongmen-end-tap'] },
  { id: 'shangyuan-dn300', name: '上源DN300支管 Shangyuan DN300', dnMm: 300, sites: ['main-north-dn600', 'main-shangyuan-dn300', 'booster-shangyuan', 'shangyuan-tap'] },
  { id: 'lingxia-rising', name: '岭下加压管 Lingxia rising main', dnMm: 150, sites: ['booster-shangyuan', 'booster-lingxia', 'lingxia-tap'] },
  { id: 'zhukeng-branch', name: '竹坑支管 Zhukeng branch', dnMm: 100, sites: ['booster-lingxia', 'zhukeng-tap'] },
  { id: 'south-raw', name: '南山原水管 South raw-water main', dnMm: 700, sites: ['south-intake', 'south-plant', 'south-reservoir'] },
  { id: 'south-dn500', name: '南山DN500主管 South DN500 trunk', dnMm: 500, sites: ['south-reservoir', 'main-south-dn500', 'main-xiaxi-dn300', 'xiaxi-tap'] },
  { id: 'shitan-branch', name: '石滩支管 Shitan branch', dnMm: 150, sites: ['main-xiaxi-dn300', 'shitan-tap'] },
  { id: 'huangni-branch', name: '黄泥支管 Huangni branch', dnMm: 150, sites: ['main-south-dn500', 'huangni-tap'] },
  { id: 'baishan-dn200', name: '白山DN200支管 Baishan DN200', dnMm: 200, sites: ['main-south-dn500', 'main-baishan-dn200', 'baishan-tap'] },
  { id: 'qianyang-branch', name: '前洋支管 Qianyang branch', dnMm: 100, sites: ['main-baishan-dn200', 'qianyang-tap'] },
  { id: 'houwu-rising', name: '后坞加压管 Houwu rising main', dnMm: 150, sites: ['main-baishan-dn200', 'booster-houwu', 'houwu-tap'] },
  { id: 'chayuan-branch', name: '茶园支管 Chayuan branch', dnMm: 100, sites: ['booster-houwu', 'chayuan-tap'] },
];

// Who is told: an administrator per village, an official per township, county dispatch. Each
// township has a DingTalk group robot for its village administrators and its official; dispatch
// has its own. Numbers are in the unassigned +86 1380000xxxx range of a demo; never real people.
const phone = (n: number) => `+86138000${String(n).padStart(5, '0')}`;
const recipients: NonNullable<CatalogDocument['recipients']> = [
  ...villages.map((v, i) => ({
    id: `${v.id}-admin`,
    name: `${v.name} 村级管理员 village administrator`,
    role: 'village_admin' as const,
    villages: [v.id],
    dingtalk: `${v.township}-group`,
    phone: phone(10_100 + i),
    // Hill villages far from the plant: non-critical news waits for the morning.
    ...(v.township === 'baishan' && { quietHours: { from: '22:00', to: '07:00' } }),
  })),
  ...townships.map((t, i) => ({
    id: `${t.id}-official`,
    name: `${t.name} 乡镇供水负责人 township official`,
    role: 'township_official' as const,
    townships: [t.id],
    dingtalk: `${t.id}-group`,
    phone: phone(10_200 + i),
    email: `${t.id}@water.qingxi.example`,
  })),
  { id: 'county-dispatch', name: '县供水调度中心 County dispatch', role: 'county_dispatch', dingtalk: 'county-dispatch', phone: phone(10_300), email: 'dispatch@water.qingxi.example' },
];

/** Hashes in the file being replaced, by device id; a hash that no longer verifies is made anew. */
async function keptHashes(): Promise<Map<string, string>> {
  if (!existsSync(target)) return new Map();
  const old = parse(readFileSync(target, 'utf8')) as Partial<CatalogDocument> | null;
  const entries = await Promise.all(
    (old?.devices ?? []).map(async (d) => [d.id, (await verifyPassword(derivedPassword(d.id), d.passwordHash)) ? d.passwordHash : undefined] as const),
  );
  return new Map(entries.filter((e): e is readonly [string, string] => e[1] !== undefined));
}

const kept = await keptHashes();
const draft: CatalogDocument = {
  county: { id: 'qingxi', name: '清溪县 Qingxi County (sample network)', timeZone: 'Asia/Shanghai' },
  townships,
  villages,
  zones,
  sites: sites.map(({ lat, lon, ...site }) => ({ ...site, location: { lat, lon } })),
  devices: devices.map((d) => ({ ...d, passwordHash: kept.get(d.id) ?? '' })),
  mains,
  recipients,
};
const catalog = await withPasswordHashes(draft, (id) => (kept.has(id) ? undefined : derivedPassword(id)));
checkedCatalog(catalog);

/** The YAML, each main on one line (a flow map) under a comment. */
function sampleYaml(document: CatalogDocument): string {
  const yaml = new Document(document);
  const mainsPair = isMap(yaml.contents) ? yaml.contents.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === 'mains') : undefined;
  if (mainsPair && isScalar(mainsPair.key) && isSeq(mainsPair.value)) {
    mainsPair.key.commentBefore = ' The mains between the monitored sites, upstream first: the lines of the console map. The\n sample network is fictional; a utility takes these from its GIS.';
    for (const main of mainsPair.value.items) if (isMap(main)) main.flow = true;
  }
  // yaml pads flow maps and sequences alike; the file has always had `{ id: …, sites: [a, b] }`.
  return yaml.toString({ lineWidth: 0 }).replace(/^( {2}- \{ id: .*sites: )\[ (.*) \] \}$/gm, '$1[$2] }');
}

writeFileSync(
  target,
  '# Sample county network, generated by simulators/tools/generate-sample-catalog.ts.\n' +
    '# Passwords are derived from the demo secret; never use them outside a demo.\n' +
    '# yaml-language-server: $schema=../../docs/catalog.schema.json\n' +
    sampleYaml(catalog),
);
