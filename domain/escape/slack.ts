import { terminalText } from './terminal';

/**
 * Text for Slack mrkdwn. Slack reads `<!channel>`, `<@U123>` and `<http://x|label>` as a ping,
 * a mention and a disguised link; its rule is to escape `&`, `<` and `>` as `&amp;`, `&lt;` and
 * `&gt;` in any text that is not meant as markup (https://api.slack.com/reference/surfaces/formatting#escaping).
 * Rampart's own mentions and dates are written around escaped values, never inside them. Control
 * and bidi characters are made visible as in a terminal (line breaks stay).
 */
export function slackText(text: string): string {
  return terminalText(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Slack markup Rampart writes on purpose (a mention, a date): kept as is by `mrkdwn`. */
export class SlackMarkup {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Value = SlackMarkup | string | number | null | undefined;

/** mrkdwn with every interpolated value escaped unless it is SlackMarkup. */
export function mrkdwn(strings: TemplateStringsArray, ...values: Value[]): string {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += (value instanceof SlackMarkup ? value.text : slackText(String(value ?? ''))) + (strings[i + 1] ?? '');
  });
  return out;
}
