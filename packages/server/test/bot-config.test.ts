import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN, JWT_SECRET } from './harness.ts';
import { REPO_ROOT } from './process.ts';

/**
 * A broken LLM config stops the real server at start (`npm start`'s entry point, as a
 * child process) with exit code 2 and a message naming the file, the key and the problem.
 */

const children = new Set<ChildProcess>();
const dirs: string[] = [];

afterEach(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Runs the server with `llmToml` as its LLM_CONFIG until it exits (or 20 s pass). */
async function startWithLlmConfig(llmToml: string) {
  const dir = mkdtempSync(join(tmpdir(), 'bot-config-'));
  dirs.push(dir);
  const file = join(dir, 'broken-llm.toml');
  writeFileSync(file, llmToml);
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['OPENAI_KEY', 'OPENAI_API_KEY', 'OPENAI_BASE_URL', 'OPENAI_MODEL', 'NODE_OPTIONS'])
    delete env[name];
  Object.assign(env, {
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: `sqlite:${dir}/db.sqlite`,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    JWT_SECRET,
    LLM_CONFIG: file,
  });
  const child = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/main.ts'], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr!.on('data', (chunk) => {
    stderr += chunk;
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`still running after 20 s:\n${stdout}\n${stderr}`)),
      20_000,
    );
    child.once('close', (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  return { file, code, stdout, stderr };
}

describe('a broken llm.toml', () => {
  it('stops the server with exit code 2, naming the file and the unknown key', async () => {
    const run = await startWithLlmConfig('[bot]\nfirst_token_timout_ms = 300\n');
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(run.file);
    expect(run.stderr).toContain('first_token_timout_ms');
    expect(run.stderr).toMatch(/bot.*unknown key/);
    expect(run.stdout).not.toContain('unique-support is ready');
  });

  it('stops the server with exit code 2, naming the file and the missing provider key', async () => {
    const run = await startWithLlmConfig(
      '[[providers]]\nname = "openai"\nbase_url = "https://api.openai.com/v1"\napi_key_env = "OPENAI_KEY"\n',
    );
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(run.file);
    expect(run.stderr).toContain('providers[0].model');
  });

  it('stops the server with exit code 2, naming the file and the line of bad TOML', async () => {
    const run = await startWithLlmConfig('[bot]\nenabled = true\nfirst_token_timeout_ms = = 300\n');
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(run.file);
    expect(run.stderr).toMatch(/not valid TOML.*line 3/);
  });
});
