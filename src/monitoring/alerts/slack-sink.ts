import type { Alert } from './alert.ts';
import { postJson, describeUrl } from './post-json.ts';
import type { AlertSink, SinkConfig, SinkOptions } from './sink.ts';

/** A Slack incoming-webhook message; Mattermost, Rocket.Chat and others accept the same shape. */
export interface SlackMessage {
  /** The whole alert in one line: notifications and clients without blocks show this. */
  text: string;
  blocks?: SlackBlock[];
}

export type SlackBlock =
  | { type: 'section'; text: { type: 'mrkdwn'; text: string }; fields?: { type: 'mrkdwn'; text: string }[] }
  | { type: 'context'; elements: { type: 'mrkdwn'; text: string }[] };

const ICON = { critical: ':red_circle:', warning: ':warning:', info: ':information_source:' } as const;
// Slack refuses a section text over 3000 characters, more than 10 fields, or a field over 2000.
const MAX_TEXT = 3000;
const MAX_FIELDS = 10;
const MAX_FIELD = 2000;

/** Slack's mrkdwn reads &, < and > as markup; alerts carry free text (reasons, messages). */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function slackMessage(alert: Alert): SlackMessage {
  const headline = `${ICON[alert.severity]} [${alert.severity}] ${alert.summary}`;
  const fields = Object.entries({ service: alert.service, environment: alert.environment, ...alert.details })
    .filter(([, value]) => value !== null && value !== '')
    .slice(0, MAX_FIELDS)
    .map(([name, value]) => ({ type: 'mrkdwn' as const, text: truncate(`*${name}*\n${escapeSlack(String(value))}`, MAX_FIELD) }));
  const deployment = alert.deployment === null ? '' : ` · deployment ${alert.deployment}`;
  return {
    text: headline,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: truncate(`*${escapeSlack(headline)}*`, MAX_TEXT) }, fields },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `${alert.rule}${deployment} · ${new Date(alert.at).toISOString()} · id ${escapeSlack(alert.id)}` }] },
    ],
  };
}

/** POSTs each alert to a Slack-compatible incoming webhook. */
export function createSlackSink(config: Extract<SinkConfig, { type: 'slack' }>, options: SinkOptions): AlertSink {
  return {
    name: config.name ?? `slack ${describeUrl(config.url)}`,
    async send(alert) {
      await postJson(config.url, JSON.stringify(slackMessage(alert)), {}, options.timeoutMs);
    },
  };
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
