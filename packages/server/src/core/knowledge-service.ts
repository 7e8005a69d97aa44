import type { Article } from '@unique-support/protocol';
import type { RetrievalIndex } from '../bot/retrieval/fallback-index.ts';
import type { SearchHit } from '../bot/retrieval/knowledge-index.ts';
import { AppError, notFound } from '../errors.ts';
import type { ArticlePatch, Store } from '../store/store.ts';
import { type Principal, requireAdmin, requireAgent } from './principal.ts';

/** Limits of an article, in characters after trimming. */
export const ARTICLE_LIMITS = {
  title: 200,
  body: 20_000,
  tags: 20,
  tag: 50,
  query: 500,
  searchResults: 20,
} as const;

export interface ArticleInput {
  title: string;
  body: string;
  tags?: string[];
}

export interface ArticleUpdate {
  title?: string;
  body?: string;
  tags?: string[];
}

export interface KnowledgeServiceOptions {
  store: Store;
  index: RetrievalIndex;
  /** After every write, once this node's index is invalidated: tells the other nodes. */
  onChanged?: (workspaceId: string) => void;
}

/**
 * The knowledge base of a workspace: articles the bot answers from. Agents read and
 * search; admins write. Another workspace's article is NOT_FOUND. Every write
 * invalidates the workspace's retrieval index (and so the answers cached on its version).
 */
export class KnowledgeService {
  private readonly store: Store;
  readonly index: RetrievalIndex;
  private readonly onChanged: (workspaceId: string) => void;

  constructor(options: KnowledgeServiceOptions) {
    this.store = options.store;
    this.index = options.index;
    this.onChanged = options.onChanged ?? (() => {});
  }

  /** Newest `updatedAt` first. */
  async list(principal: Principal): Promise<Article[]> {
    requireAgent(principal);
    return this.store.listArticles(principal.workspaceId);
  }

  async get(principal: Principal, id: string): Promise<Article> {
    requireAgent(principal);
    const article = await this.store.getArticle(principal.workspaceId, id);
    if (!article) throw notFound('article');
    return article;
  }

  async create(principal: Principal, input: ArticleInput): Promise<Article> {
    requireAdmin(principal);
    const article = await this.store.createArticle({
      workspaceId: principal.workspaceId,
      title: checkTitle(input.title),
      body: checkBody(input.body),
      tags: checkTags(input.tags ?? []),
    });
    this.changed(principal.workspaceId);
    return article;
  }

  async update(principal: Principal, id: string, input: ArticleUpdate): Promise<Article> {
    requireAdmin(principal);
    const patch: ArticlePatch = {
      ...(input.title !== undefined && { title: checkTitle(input.title) }),
      ...(input.body !== undefined && { body: checkBody(input.body) }),
      ...(input.tags !== undefined && { tags: checkTags(input.tags) }),
    };
    if (Object.keys(patch).length === 0) throw new AppError('BAD_REQUEST', 'nothing to update');
    const article = await this.store.updateArticle(principal.workspaceId, id, patch);
    if (!article) throw notFound('article');
    this.changed(principal.workspaceId);
    return article;
  }

  async delete(principal: Principal, id: string): Promise<void> {
    requireAdmin(principal);
    if (!(await this.store.deleteArticle(principal.workspaceId, id))) throw notFound('article');
    this.changed(principal.workspaceId);
  }

  private changed(workspaceId: string): void {
    this.index.invalidate(workspaceId);
    this.onChanged(workspaceId);
  }

  /** The workspace's best articles for `query` (one chunk each), best first, above the index's minScore. */
  async search(principal: Principal, query: string, limit = 3): Promise<SearchHit[]> {
    requireAgent(principal);
    const q = query.trim();
    if (!q) throw new AppError('BAD_REQUEST', 'the query must not be empty');
    if (q.length > ARTICLE_LIMITS.query) {
      throw new AppError('BAD_REQUEST', `the query must have at most ${ARTICLE_LIMITS.query} characters`);
    }
    if (!Number.isInteger(limit) || limit < 1 || limit > ARTICLE_LIMITS.searchResults) {
      throw new AppError('BAD_REQUEST', `limit must be an integer from 1 to ${ARTICLE_LIMITS.searchResults}`);
    }
    return this.index.search(principal.workspaceId, q, { limit });
  }
}

function checkText(value: unknown, what: string, max: number): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (text.length < 1 || text.length > max) {
    throw new AppError('BAD_REQUEST', `${what} must have 1 to ${max} characters`);
  }
  return text;
}

const checkTitle = (title: unknown) => checkText(title, 'title', ARTICLE_LIMITS.title);
const checkBody = (body: unknown) => checkText(body, 'body', ARTICLE_LIMITS.body);

/** Trimmed, each 1–50 characters, duplicates dropped (first kept), at most 20. */
function checkTags(tags: unknown): string[] {
  if (!Array.isArray(tags)) throw new AppError('BAD_REQUEST', 'tags must be a list of strings');
  const unique = [...new Set(tags.map((tag) => checkText(tag, 'a tag', ARTICLE_LIMITS.tag)))];
  if (unique.length > ARTICLE_LIMITS.tags) {
    throw new AppError('BAD_REQUEST', `an article has at most ${ARTICLE_LIMITS.tags} tags`);
  }
  return unique;
}
