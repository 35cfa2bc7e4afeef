/** The console's words, Chinese by default and English on request (the language switch in the header). */
export type Language = 'zh-CN' | 'en';

const zh = {
  appTitle: '清水 调度台',
  signIn: '登录',
  signOut: '退出',
  tokenLabel: '访问令牌',
  tokenHint: '由管理员分配的令牌,只保存在本次会话中',
  continueAnonymous: '只读浏览',
  tokenMissing: '请输入令牌',
  tokenRefused: '令牌无效或已停用',
  anonymous: '访客(只读)',
  muteHint: '停止当前严重工单的提示音;新的严重工单仍会响起',
  back: '返回队列',
  queue: '工单队列',
  map: '地图',
  silences: '维护窗口',
  open: '待处理',
  all: '全部',
  search: '搜索站点、村、规则…',
  village: '村',
  township: '乡镇',
  severity: '级别',
  state: '状态',
  rule: '规则',
  siteKind: '站点类型',
  since: '开始',
  tier: '层级',
  assignee: '负责人',
  notices: '通知',
  value: '当前值',
  limitSource: '依据',
  none: '无',
  empty: '没有符合条件的工单',
  connectionLost: '与服务器的连接已断开,正在重连…恢复后将补齐期间的变化',
  mute: '静音',
  unmute: '取消静音',
  acknowledge: '确认',
  assign: '指派',
  comment: '备注',
  resolve: '解决',
  close: '关闭',
  silenceSite: '设维护窗口',
  note: '备注',
  noteRequired: '请填写备注',
  crew: '指派给(班组)',
  hours: '时长(小时)',
  starts: '开始时间(县时间,留空为现在)',
  startsInvalid: '请按 YYYY-MM-DD HH:MM 填写',
  reason: '原因',
  reasonRequired: '请填写原因',
  submit: '提交',
  cancel: '取消',
  trail: '处理记录',
  deliveries: '通知记录',
  readings: '读数',
  neighbours: '同区站点',
  devices: '设备',
  lastSeen: '最近数据',
  stale: '数据中断',
  recentTickets: '近期工单',
  active: '生效中',
  upcoming: '将生效',
  ended: '已结束',
  expire: '结束',
  newSilence: '新建维护窗口',
  by: '设置人',
  viewerOnly: '只读账号,不能操作工单',
  refused: '操作被拒绝',
  keys: '快捷键:j/k 上下,a 确认,Enter 打开',
  more: (n: number) => `显示更多(还有 ${n} 条)`,
  severities: { critical: '严重', warning: '警告', maintenance: '维护' },
  states: { open: '未确认', acknowledged: '已确认', suppressed: '维护中', resolved: '已解决', closed: '已关闭' },
  tiers: { village: '村', township: '乡镇', county: '县' },
  deliveryStates: { pending: '待发送', sent: '已送达', failed: '失败', fallen_back: '已转短信' },
  noticeStates: { sent: '已发', failed: '失败', pending: '待发', throttled: '限流', fellBack: '转短信' },
  eventTypes: {
    opened: '开单',
    reopened: '重开',
    escalated: '升级为严重',
    deescalated: '降为警告',
    acknowledged: '确认',
    assigned: '指派',
    commented: '备注',
    suppressed: '维护中挂起',
    unsuppressed: '解除维护',
    tier_raised: '上报上级',
    flapping: '频繁反复',
    resolved: '恢复',
    closed: '关闭',
  } as Record<string, string>,
  language: 'English',
};

export type Words = typeof zh;

const en: Words = {
  appTitle: 'Clearwater dispatch',
  signIn: 'Sign in',
  signOut: 'Sign out',
  tokenLabel: 'Access token',
  tokenHint: 'The token your administrator gave you; kept for this session only',
  continueAnonymous: 'Read only',
  tokenMissing: 'Enter a token',
  tokenRefused: 'The token was not accepted',
  anonymous: 'guest (read only)',
  muteHint: 'Silences the alarm of the current critical tickets; a new one sounds again',
  back: 'Back to the queue',
  queue: 'Queue',
  map: 'Map',
  silences: 'Maintenance windows',
  open: 'Open',
  all: 'All',
  search: 'Search sites, villages, rules…',
  village: 'Village',
  township: 'Township',
  severity: 'Severity',
  state: 'State',
  rule: 'Rule',
  siteKind: 'Site kind',
  since: 'Since',
  tier: 'Tier',
  assignee: 'Assignee',
  notices: 'Notices',
  value: 'Value',
  limitSource: 'Limit',
  none: 'none',
  empty: 'No tickets match',
  connectionLost: 'Connection to the server lost; reconnecting… the changes meanwhile are caught up when it is back',
  mute: 'Mute',
  unmute: 'Unmute',
  acknowledge: 'Acknowledge',
  assign: 'Assign',
  comment: 'Comment',
  resolve: 'Resolve',
  close: 'Close',
  silenceSite: 'Silence site',
  note: 'Note',
  noteRequired: 'A note is needed',
  crew: 'Assign to (crew)',
  hours: 'Hours',
  starts: 'Starts (county time; empty: now)',
  startsInvalid: 'Write it as YYYY-MM-DD HH:MM',
  reason: 'Reason',
  reasonRequired: 'A reason is needed',
  submit: 'Submit',
  cancel: 'Cancel',
  trail: 'Audit trail',
  deliveries: 'Notifications',
  readings: 'Readings',
  neighbours: 'Sites of the zone',
  devices: 'Devices',
  lastSeen: 'Last reading',
  stale: 'silent',
  recentTickets: 'Recent tickets',
  active: 'Active',
  upcoming: 'Upcoming',
  ended: 'Ended',
  expire: 'Expire',
  newSilence: 'New maintenance window',
  by: 'Set by',
  viewerOnly: 'Read-only account: no actions',
  refused: 'Refused',
  keys: 'Keys: j/k move, a acknowledge, Enter open',
  more: (n: number) => `Show more (${n} left)`,
  severities: { critical: 'Critical', warning: 'Warning', maintenance: 'Maintenance' },
  states: { open: 'Open', acknowledged: 'Acknowledged', suppressed: 'Suppressed', resolved: 'Resolved', closed: 'Closed' },
  tiers: { village: 'Village', township: 'Township', county: 'County' },
  deliveryStates: { pending: 'pending', sent: 'sent', failed: 'failed', fallen_back: 'fell back to SMS' },
  noticeStates: { sent: 'sent', failed: 'failed', pending: 'pending', throttled: 'throttled', fellBack: 'to SMS' },
  eventTypes: {
    opened: 'opened',
    reopened: 'reopened',
    escalated: 'escalated',
    deescalated: 'deescalated',
    acknowledged: 'acknowledged',
    assigned: 'assigned',
    commented: 'commented',
    suppressed: 'suppressed',
    unsuppressed: 'unsuppressed',
    tier_raised: 'raised a tier',
    flapping: 'flapping',
    resolved: 'resolved',
    closed: 'closed',
  },
  language: '中文',
};

const LANGUAGE_KEY = 'clearwater.language';

export function savedLanguage(): Language {
  return localStorage.getItem(LANGUAGE_KEY) === 'en' ? 'en' : 'zh-CN';
}

export function saveLanguage(language: Language): void {
  localStorage.setItem(LANGUAGE_KEY, language);
}

export function wordsFor(language: Language): Words {
  return language === 'en' ? en : zh;
}

/** "12-01 10:05" in the county's time zone. */
export function formatTime(at: number, language: Language, timeZone: string): string {
  const key = `${language} ${timeZone}`;
  let format = formats.get(key);
  if (format === undefined) {
    format = new Intl.DateTimeFormat(language === 'en' ? 'en-GB' : 'zh-CN', { timeZone, month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formats.set(key, format);
  }
  return format.format(at);
}

/** Building a DateTimeFormat costs far more than using one: one per language and zone. */
const formats = new Map<string, Intl.DateTimeFormat>();

/** "3 h 5 min" since `at`. */
export function formatAge(at: number, now: number, language: Language): string {
  const minutes = Math.max(0, Math.round((now - at) / 60_000));
  if (minutes < 60) return language === 'en' ? `${minutes} min` : `${minutes} 分钟`;
  const hours = Math.floor(minutes / 60);
  return language === 'en' ? `${hours} h ${minutes % 60} min` : `${hours} 小时 ${minutes % 60} 分`;
}
