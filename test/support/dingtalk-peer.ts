/**
 * A DingTalk custom-robot endpoint on 127.0.0.1 for tests: `POST /robot/send?access_token=…&
 * timestamp=…&sign=…`, answered as DingTalk answers (HTTP 200 and an errcode), on its own clock.
 *
 * - unknown access_token → 300001;
 * - a robot with a secret: `sign` must be Base64(HmacSHA256(secret, timestamp + "\n" + secret))
 *   and `timestamp` within an hour of the peer's clock, else 310000;
 * - a body over 20,000 bytes → 460101; a body that is not JSON or has no msgtype → 40035;
 * - a robot with a keyword: the markdown title or text (text content) must contain it, else 310000;
 * - markdown without a title → 400402;
 * - more than 20 accepted messages in 60 s for one robot → 130101, and every message for the
 *   next 10 minutes too (DingTalk Open Platform, custom robot, send message: "20 a minute, then
 *   a 10-minute rate limit");
 * - anything else is accepted and kept, in order, in `accepted`.
 *
 * `failNext` makes the next requests fail at the HTTP level (a 503 with Retry-After, say), for
 * transient-failure tests. The errmsg texts are DingTalk's in spirit; callers classify errcodes.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PeerRobot {
  /** The robot's access_token in its webhook. */
  readonly token: string;
  /** The 加签 secret; absent: the robot has no signing. */
  readonly secret?: string;
  readonly keyword?: string;
}

export interface DingtalkPeerOptions {
  /** Robots by id (the same ids as the channel's config, for reading `accepted` by robot). */
  readonly robots: Readonly<Record<string, PeerRobot>>;
  /** The peer's clock, epoch ms (default Date.now): signature window and rate limit use it. */
  readonly now?: () => number;
  readonly perMinute?: number;
  readonly throttleMs?: number;
  readonly maxBodyBytes?: number;
}

export interface AcceptedMessage {
  readonly robot: string;
  /** Peer clock when it was accepted. */
  readonly at: number;
  readonly timestamp: number;
  readonly bytes: number;
  /** The parsed JSON body as sent. */
  readonly body: { msgtype: string; markdown?: { title?: string; text?: string }; text?: { content?: string }; at?: { atMobiles?: string[]; isAtAll?: boolean }; msgUuid?: string };
}

export interface PeerAnswer {
  readonly robot: string | undefined;
  readonly at: number;
  readonly status: number;
  readonly errcode: number | undefined;
}

export interface HttpFailure {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface DingtalkPeer {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** The webhook of a robot: `${url}/robot/send?access_token=<token>`. */
  webhook(robot: string): string;
  /** Every accepted message, in arrival order. */
  readonly accepted: readonly AcceptedMessage[];
  /** Every answer given (accepted or not), in order. */
  readonly answers: readonly PeerAnswer[];
  /** The next `count` requests get this HTTP answer instead (before any check). */
  failNext(failure: HttpFailure, count?: number): void;
  /**
   * The next `count` requests are read and then left unanswered until `release()`: a request
   * whose client goes away meanwhile (a process killed mid-send) is dropped, never accepted.
   */
  holdNext(count?: number): void;
  /** Requests held right now. */
  readonly holding: number;
  /** Answers the held requests (those whose client is still there), as usual. */
  release(): void;
  /** Requests dropped because their client went away while held. */
  readonly dropped: number;
  close(): Promise<void>;
}

export const DINGTALK_ERRMSG: Readonly<Record<number, string>> = {
  0: 'ok',
  130101: 'send too fast, exceed 20 times per minute',
  300001: 'token is not exist',
  310000: 'sign not match',
  400402: 'markdown title is empty',
  460101: 'message too large',
  40035: 'invalid parameter',
};

const HOUR_MS = 3_600_000;

export async function startDingtalkPeer(options: DingtalkPeerOptions): Promise<DingtalkPeer> {
  const now = options.now ?? Date.now;
  const perMinute = options.perMinute ?? 20;
  const throttleMs = options.throttleMs ?? 600_000;
  const maxBodyBytes = options.maxBodyBytes ?? 20_000;
  const byToken = new Map(Object.entries(options.robots).map(([id, robot]) => [robot.token, { id, robot }]));
  const accepted: AcceptedMessage[] = [];
  const answers: PeerAnswer[] = [];
  const recent = new Map<string, number[]>();
  const throttledUntil = new Map<string, number>();
  const failures: HttpFailure[] = [];
  let holds = 0;
  let dropped = 0;
  const held = new Set<() => void>();

  const judge = (query: URLSearchParams, raw: Buffer): { robot?: string; errcode: number; errmsg?: string; message?: AcceptedMessage } => {
    const found = byToken.get(query.get('access_token') ?? '');
    if (!found) return { errcode: 300001 };
    const { id, robot } = found;
    const timestamp = Number(query.get('timestamp'));
    if (robot.secret !== undefined) {
      if (!Number.isSafeInteger(timestamp) || Math.abs(now() - timestamp) > HOUR_MS) return { robot: id, errcode: 310000, errmsg: 'invalid timestamp' };
      if (!signatureMatches(robot.secret, query.get('timestamp') ?? '', query.get('sign') ?? '')) return { robot: id, errcode: 310000, errmsg: 'sign not match' };
    }
    if (raw.length > maxBodyBytes) return { robot: id, errcode: 460101 };
    let body: AcceptedMessage['body'];
    try {
      body = JSON.parse(raw.toString('utf8')) as AcceptedMessage['body'];
    } catch {
      return { robot: id, errcode: 40035 };
    }
    if (typeof body?.msgtype !== 'string') return { robot: id, errcode: 40035 };
    if (body.msgtype === 'markdown' && !body.markdown?.title) return { robot: id, errcode: 400402 };
    const content = `${body.markdown?.title ?? ''}\n${body.markdown?.text ?? ''}\n${body.text?.content ?? ''}`;
    if (robot.keyword !== undefined && !content.includes(robot.keyword)) return { robot: id, errcode: 310000, errmsg: 'keywords not in content' };
    const at = now();
    if ((throttledUntil.get(id) ?? -Infinity) > at) return { robot: id, errcode: 130101 };
    const window = (recent.get(id) ?? []).filter((t) => t > at - 60_000);
    if (window.length >= perMinute) {
      throttledUntil.set(id, at + throttleMs);
      recent.set(id, window);
      return { robot: id, errcode: 130101 };
    }
    window.push(at);
    recent.set(id, window);
    return { robot: id, errcode: 0, message: { robot: id, at, timestamp, bytes: raw.length, body } };
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const raw = await readBody(request);
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (holds > 0) {
      holds -= 1;
      const gone = await new Promise<boolean>((resolve) => {
        const go = () => {
          held.delete(go);
          resolve(false);
        };
        held.add(go);
        response.once('close', () => {
          if (!held.has(go)) return;
          held.delete(go);
          resolve(true);
        });
      });
      if (gone) {
        dropped += 1;
        return;
      }
    }
    const failure = failures.shift();
    if (failure) {
      answers.push({ robot: byToken.get(url.searchParams.get('access_token') ?? '')?.id, at: now(), status: failure.status, errcode: undefined });
      response.writeHead(failure.status, failure.headers).end(failure.body ?? '');
      return;
    }
    if (request.method !== 'POST' || url.pathname !== '/robot/send') {
      answers.push({ robot: undefined, at: now(), status: 404, errcode: undefined });
      response.writeHead(404).end();
      return;
    }
    const verdict = judge(url.searchParams, raw);
    if (verdict.message) accepted.push(verdict.message);
    answers.push({ robot: verdict.robot, at: now(), status: 200, errcode: verdict.errcode });
    const errmsg = verdict.errmsg ?? DINGTALK_ERRMSG[verdict.errcode] ?? 'error';
    response.writeHead(200, { 'content-type': 'application/json;charset=utf-8' }).end(JSON.stringify({ errcode: verdict.errcode, errmsg }));
  };

  const server = createServer((request, response) => {
    handle(request, response).catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    webhook(robot) {
      const found = options.robots[robot];
      if (!found) throw new Error(`no robot ${robot} in this peer`);
      return `${url}/robot/send?access_token=${encodeURIComponent(found.token)}`;
    },
    accepted,
    answers,
    failNext(failure, count = 1) {
      for (let i = 0; i < count; i++) failures.push(failure);
    },
    holdNext(count = 1) {
      holds += count;
    },
    get holding() {
      return held.size;
    },
    release() {
      for (const go of [...held]) go();
    },
    get dropped() {
      return dropped;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** As DingTalk checks it: `sign` (URL-decoded by the query parser) against Base64(HmacSHA256). */
function signatureMatches(secret: string, timestamp: string, sign: string): boolean {
  const expected = Buffer.from(createHmac('sha256', secret).update(`${timestamp}\n${secret}`, 'utf8').digest('base64'));
  const given = Buffer.from(sign);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** The whole body, up to 1 MiB (more is cut off: it is over DingTalk's limit anyway). */
async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length <= 1 << 20) chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
