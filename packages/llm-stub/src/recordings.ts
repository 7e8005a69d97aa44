import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder of the recorded streams (`packages/llm-stub/recordings`). */
export const RECORDINGS_DIR = fileURLToPath(new URL('../recordings/', import.meta.url));

export interface Recording {
  /** File name in {@link RECORDINGS_DIR}, without `.sse`. */
  name: string;
  /** What it imitates. */
  description: string;
  /** The answer a client must assemble from the `content` deltas (reasoning excluded). */
  text: string;
  finishReason: string;
  usage: { promptTokens: number; completionTokens: number };
}

/**
 * The recorded provider streams shipped with the stub, with what a client must read from each.
 * They are reconstructed from the providers' public documentation, not captured (see
 * `recordings/README.md`).
 */
export const RECORDINGS: readonly Recording[] = [
  {
    name: 'openai',
    description:
      'OpenAI chat completions with stream_options.include_usage: role chunk, `obfuscation` fields, usage chunk with empty choices',
    text: 'Sure! You can reset your password from **Settings → Security**. Click "Reset password" and follow the link we email you.',
    finishReason: 'stop',
    usage: { promptTokens: 61, completionTokens: 27 },
  },
  {
    name: 'deepseek-reasoner',
    description:
      'DeepSeek deepseek-reasoner: a `: keep-alive` comment, `reasoning_content` deltas (content null) before the `content` deltas',
    text: 'Refunds reach your original payment method within 5–7 business days after we approve them.',
    finishReason: 'stop',
    usage: { promptTokens: 148, completionTokens: 41 },
  },
  {
    name: 'qwen-dashscope',
    description:
      'Qwen through DashScope compatible mode: Chinese text with an emoji, `choices` first in each object, usage chunk',
    text: '您好！订单发货后，您可以在「我的订单」页面查看物流信息。如有其他问题，随时告诉我😊',
    finishReason: 'stop',
    usage: { promptTokens: 56, completionTokens: 26 },
  },
  {
    name: 'ollama',
    description:
      "Ollama's OpenAI-compatible endpoint: no separate role chunk (role on every delta), fp_ollama, usage chunk",
    text: 'You can change your plan at any time under Billing > Plan. The new price applies from the next invoice.',
    finishReason: 'stop',
    usage: { promptTokens: 43, completionTokens: 23 },
  },
  {
    name: 'azure-openai',
    description:
      'Azure OpenAI: first chunk with empty choices and prompt_filter_results, content_filter_results on each choice, one asynchronous-filter annotation choice without delta',
    text: 'Your invoice is available under Billing > Invoices. You can download it as a PDF.',
    finishReason: 'stop',
    usage: { promptTokens: 52, completionTokens: 17 },
  },
  {
    name: 'chinese-crlf',
    description:
      'An OpenAI-shaped stream in Chinese with CRLF line endings (allowed by the SSE spec), full-width punctuation and a ZWJ emoji split across deltas',
    text: '退款将在审核通过后的5–7个工作日内原路退回。如需帮助，请输入“转人工”🙋\u200d♀️。',
    finishReason: 'stop',
    usage: { promptTokens: 75, completionTokens: 27 },
  },
];

/** The file of a recording: a name from {@link RECORDINGS_DIR} (`openai`, `openai.sse`) or a path. */
export function recordingPath(nameOrPath: string): string {
  if (isAbsolute(nameOrPath) || nameOrPath.includes('/')) return nameOrPath;
  const file = `${RECORDINGS_DIR}${nameOrPath.endsWith('.sse') ? nameOrPath : `${nameOrPath}.sse`}`;
  if (!existsSync(file)) throw new Error(`no recording named ${nameOrPath} in ${RECORDINGS_DIR}`);
  return file;
}
