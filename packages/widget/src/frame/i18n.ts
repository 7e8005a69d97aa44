import type { Language } from '../bridge.ts';

export type { Language };
/** The widget's languages; every string exists in each. */
export const LANGUAGES: readonly Language[] = ['en', 'zh-CN'];

const en = {
  title: 'Support',
  greeting: 'Hi there! How can we help you today?',
  online: 'We are online',
  botOnline: 'Our assistant answers right away',
  away: 'We are away. Leave a message',
  close: 'Close chat',
  switchLanguage: '中文',
  switchLanguageLabel: 'Switch to Chinese',
  placeholder: 'Type a message…',
  send: 'Send',
  attach: 'Attach a file',
  emoji: 'Emoji',
  you: 'You',
  bot: 'Assistant',
  agent: 'Agent',
  system: 'Notice',
  sending: 'Sending…',
  notSent: 'Not sent. Tap to retry',
  seen: 'Seen',
  interrupted: 'Interrupted: an agent took over',
  typing: '{name} is typing…',
  someone: 'Someone',
  talkToHuman: 'Talk to a human',
  waitingForHuman: 'An agent will be with you shortly.',
  offlineBanner: 'You are offline. Reconnecting…',
  reconnecting: 'Reconnecting…',
  offlineTitle: 'No one is online right now. Leave your e-mail and we will reply there.',
  offlineName: 'Name (optional)',
  offlineEmail: 'E-mail',
  offlineMessage: 'Your message',
  offlineSend: 'Send message',
  offlineThanks: 'Thanks! We will reply to you by e-mail.',
  rateTitle: 'How did we do?',
  rateStar: '{n} of 5 stars',
  rateComment: 'Anything to add? (optional)',
  rateSend: 'Send rating',
  rateThanks: 'Thanks for your feedback!',
  uploading: 'Uploading {name}…',
  uploadFailed: 'Could not upload {name}.',
  tooLarge: '{name} is too large.',
  notAllowed: '{name}: this type of file cannot be sent.',
  failed: 'Something went wrong. Please try again.',
  invalidEmail: 'Please enter a valid e-mail address.',
  openChat: 'Open chat',
  file: 'File',
};

export type Strings = typeof en;

const zhCN: Strings = {
  title: '在线客服',
  greeting: '您好！请问有什么可以帮您？',
  online: '客服在线',
  botOnline: '智能助手即时回复',
  away: '客服暂时不在，请留言',
  close: '关闭对话',
  switchLanguage: 'EN',
  switchLanguageLabel: 'Switch to English',
  placeholder: '输入消息…',
  send: '发送',
  attach: '发送文件',
  emoji: '表情',
  you: '我',
  bot: '智能助手',
  agent: '客服',
  system: '通知',
  sending: '发送中…',
  notSent: '发送失败，点击重试',
  seen: '已读',
  interrupted: '已中断：人工客服已接入',
  typing: '{name} 正在输入…',
  someone: '对方',
  talkToHuman: '转人工',
  waitingForHuman: '正在为您转接人工客服，请稍候。',
  offlineBanner: '网络已断开，正在重连…',
  reconnecting: '正在重连…',
  offlineTitle: '当前没有客服在线。留下邮箱，我们会通过邮件回复您。',
  offlineName: '称呼（选填）',
  offlineEmail: '邮箱',
  offlineMessage: '留言内容',
  offlineSend: '提交留言',
  offlineThanks: '感谢留言！我们会通过邮件回复您。',
  rateTitle: '请为本次服务评分',
  rateStar: '{n} 星（满分 5 星）',
  rateComment: '还有什么想说的吗？（选填）',
  rateSend: '提交评价',
  rateThanks: '感谢您的评价！',
  uploading: '正在上传 {name}…',
  uploadFailed: '{name} 上传失败。',
  tooLarge: '{name} 文件过大。',
  notAllowed: '{name}：不支持发送此类文件。',
  failed: '出错了，请重试。',
  invalidEmail: '请输入有效的邮箱地址。',
  openChat: '打开对话',
  file: '文件',
};

export const STRINGS: Record<Language, Strings> = { en, 'zh-CN': zhCN };

/** A string with `{name}` placeholders filled in (values are plain text, never markup). */
export function format(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) =>
    key in values ? String(values[key]) : whole,
  );
}

/** `zh`, `zh-CN`, `zh-Hans-SG`... → zh-CN; `en-GB` → en; anything else → null. */
export function matchLanguage(tag: string | null | undefined): Language | null {
  const lower = (tag ?? '').trim().toLowerCase();
  if (lower === 'zh' || lower.startsWith('zh-')) return 'zh-CN';
  if (lower === 'en' || lower.startsWith('en-')) return 'en';
  return null;
}

/**
 * The widget's language, first match wins: the visitor's own switch, the page's
 * `data-language`, the workspace setting (unless `auto`), the browser's languages, English.
 */
export function pickLanguage(sources: {
  chosen?: string | null;
  override?: string | null;
  configured?: string | null;
  browser?: readonly string[];
}): Language {
  for (const tag of [sources.chosen, sources.override, sources.configured]) {
    const language = matchLanguage(tag);
    if (language) return language;
  }
  for (const tag of sources.browser ?? []) {
    const language = matchLanguage(tag);
    if (language) return language;
  }
  return 'en';
}
