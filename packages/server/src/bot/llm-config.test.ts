import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LlmConfigError, loadLlmConfig, parseLlmConfig } from './llm-config.ts';

const repoRoot = join(import.meta.dirname, '../../../..');

describe('llm config', () => {
  it('loads the shipped configs/llm.toml, with the openai provider skipped while OPENAI_KEY is unset', () => {
    const config = loadLlmConfig({}, repoRoot);
    expect(config.bot).toMatchObject({ enabled: true, first_token_timeout_ms: 3000, no_answer: 'offer' });
    expect(config.bot.handoff_keywords).toEqual(['转人工', '人工', 'human', 'agent']);
    expect(config.providers).toEqual([
      expect.objectContaining({
        name: 'openai',
        apiKey: null,
        keySource: '$OPENAI_KEY',
        model: 'gpt-4o-mini',
      }),
    ]);
    expect(config.cache).toEqual({ enabled: true, max_entries: 10000, semantic_threshold: 0.8 });
    expect(config.rules.length).toBeGreaterThan(0);
  });

  it('fills defaults for an empty file', () => {
    const config = parseLlmConfig('');
    expect(config.providers).toEqual([]);
    expect(config.breaker).toEqual({ failure_rate: 0.5, min_requests: 5, window: 20, open_ms: 30000 });
    expect(config.bot.system_prompt).toContain('{workspace}');
  });

  it('lets OPENAI_* override the first provider, or create one', () => {
    const file =
      '[[providers]]\nname="a"\nbase_url="http://a/v1"\nmodel="m"\n[[providers]]\nname="b"\nbase_url="http://b/v1"\nmodel="n"\napi_key="k"';
    const config = parseLlmConfig(file, {
      OPENAI_API_KEY: 'sk-1',
      OPENAI_BASE_URL: 'http://stub/v1',
      OPENAI_MODEL: 'x',
    });
    expect(config.providers.map((p) => [p.name, p.baseUrl, p.apiKey, p.model])).toEqual([
      ['a', 'http://stub/v1', 'sk-1', 'x'],
      ['b', 'http://b/v1', 'k', 'n'],
    ]);
    const created = parseLlmConfig('', { OPENAI_KEY: 'sk-2' });
    expect(created.providers).toEqual([expect.objectContaining({ name: 'openai', apiKey: 'sk-2' })]);
  });

  it.each([
    ['[bot]\nenabled = "yes"', /bot\.enabled: must be boolean/],
    ['[bot]\nsystm_prompt = "x"', /bot: unknown key "systm_prompt"/],
    [
      '[[providers]]\nname = "x"\nbase_url = "http://x"',
      /providers\[0\]\.model: must have required property 'model'/,
    ],
    [
      '[[providers]]\nname = "x"\nbase_url = "ftp://x"\nmodel = "m"',
      /providers\[0\]\.base_url: must match pattern/,
    ],
    ['[cache]\nsemantic_threshold = 2', /cache\.semantic_threshold: must be <= 1/],
    ['[bot\nenabled = true', /not valid TOML: line 1/],
    ['[[rules]]\nanswer = "x"', /rules\[0\]: needs keywords or pattern/],
    ['[[rules]]\npattern = "(unclosed"\nanswer = "x"', /rules\[0\]\.pattern: Invalid regular expression/],
  ])('says exactly what is wrong: %s', (text, message) => {
    expect(() => parseLlmConfig(text, {}, 'configs/llm.toml')).toThrow(LlmConfigError);
    expect(() => parseLlmConfig(text, {}, 'configs/llm.toml')).toThrow(message);
  });

  it('names the file it could not read when LLM_CONFIG points nowhere', () => {
    expect(() => loadLlmConfig({ LLM_CONFIG: '/nonexistent/llm.toml' })).toThrow(
      /\/nonexistent\/llm.toml: cannot read/,
    );
    const dir = mkdtempSync(join(tmpdir(), 'llm-'));
    writeFileSync(join(dir, 'x.toml'), '[bot]\nenabled = false\n');
    expect(loadLlmConfig({ LLM_CONFIG: join(dir, 'x.toml') }).bot.enabled).toBe(false);
  });
});
