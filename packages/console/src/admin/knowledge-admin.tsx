import { type FormEvent, useEffect, useMemo, useState } from 'react';
import { api } from '../api.ts';
import { toast, useNow } from '../console-context.ts';
import { previewLine, shortTime } from '../format.ts';
import { useI18n } from '../i18n.ts';
import { Icon } from '../icons.tsx';
import { navigate } from '../router.ts';
import type { Article, KbResult } from '../types.ts';
import { EmptyState, errorText, Spinner } from '../ui.tsx';
import { AdminSectionFrame } from './admin-section.tsx';
import { useResource } from './use-resource.ts';

const NEW = '__new__';

export function parseTags(text: string): string[] {
  const seen = new Set<string>();
  for (const raw of text.split(/[,，]/)) {
    const tag = raw.trim().slice(0, 50);
    if (tag) seen.add(tag);
  }
  return [...seen].slice(0, 20);
}

export function KnowledgeAdmin({ articleId }: { articleId?: string | undefined }) {
  const { t, language } = useI18n();
  const now = useNow();
  const articles = useResource(() => api.articles().then((b) => b.articles));
  const [selected, setSelectedState] = useState<string | null>(articleId ?? null);
  // The URL names the open article (`admin/kb/<id>`), so a timeline can link to it.
  const setSelected = (id: string | null) => {
    setSelectedState(id);
    navigate({ name: 'admin', section: 'kb', ...(id && id !== NEW && { item: id }) }, true);
  };
  useEffect(() => {
    if (articleId) setSelectedState(articleId);
  }, [articleId]);
  const [filter, setFilter] = useState('');

  const list = useMemo(() => {
    const q = filter.trim().toLowerCase();
    return (articles.data ?? []).filter(
      (a) => !q || a.title.toLowerCase().includes(q) || a.tags.some((tag) => tag.toLowerCase().includes(q)),
    );
  }, [articles.data, filter]);

  // Open the first article once the list arrives.
  useEffect(() => {
    if (selected === null && articles.data && articles.data.length > 0)
      setSelectedState(articles.data[0]!.id);
  }, [articles.data, selected]);

  const current = selected === NEW ? null : (articles.data?.find((a) => a.id === selected) ?? null);

  return (
    <AdminSectionFrame
      title={t('admin.kb')}
      intro={t('kb.intro')}
      actions={
        <button
          type="button"
          className="button primary"
          onClick={() => setSelected(NEW)}
          data-testid="kb-new"
        >
          <Icon name="plus" />
          {t('kb.new')}
        </button>
      }
    >
      <div className="kb-layout">
        <div className="card kb-list-card">
          <div className="kb-filter">
            <Icon name="search" size={14} />
            <input placeholder={t('kb.filter')} value={filter} onChange={(e) => setFilter(e.target.value)} />
          </div>
          <div className="kb-list" data-testid="kb-list">
            {articles.loading && !articles.data ? (
              <div className="pad">
                <Spinner />
              </div>
            ) : list.length === 0 && selected !== NEW ? (
              <EmptyState icon="book" title={t('kb.empty')} />
            ) : (
              <>
                {selected === NEW && (
                  <div className="kb-item active">
                    <span className="kb-item-title">{t('kb.untitled')}</span>
                  </div>
                )}
                {list.map((article) => (
                  <button
                    type="button"
                    key={article.id}
                    className={article.id === selected ? 'kb-item active' : 'kb-item'}
                    onClick={() => setSelected(article.id)}
                    data-testid="kb-item"
                  >
                    <span className="kb-item-title">{article.title}</span>
                    <span className="kb-item-preview">{previewLine(article.body, 90)}</span>
                    <span className="kb-item-meta">
                      {article.tags.slice(0, 3).map((tag) => (
                        <span key={tag} className="tag">
                          {tag}
                        </span>
                      ))}
                      <span className="kb-item-time">{shortTime(article.updatedAt, now, language)}</span>
                    </span>
                  </button>
                ))}
              </>
            )}
          </div>
        </div>
        <div className="kb-editor-column">
          {selected === NEW || current ? (
            <ArticleEditor
              key={current?.id ?? NEW}
              article={current}
              onSaved={(article) => {
                articles.setData((list) => {
                  const rest = (list ?? []).filter((a) => a.id !== article.id);
                  return [article, ...rest];
                });
                setSelected(article.id);
              }}
              onDeleted={(id) => {
                articles.setData((list) => (list ?? []).filter((a) => a.id !== id));
                setSelected(null);
              }}
            />
          ) : (
            <div className="card">
              <EmptyState icon="book" title={t('kb.none')} />
            </div>
          )}
          <RetrievalTester />
        </div>
      </div>
    </AdminSectionFrame>
  );
}

function ArticleEditor({
  article,
  onSaved,
  onDeleted,
}: {
  article: Article | null;
  onSaved: (article: Article) => void;
  onDeleted: (id: string) => void;
}) {
  const { t, language } = useI18n();
  const now = useNow();
  const [title, setTitle] = useState(article?.title ?? '');
  const [tags, setTags] = useState(article?.tags.join(', ') ?? '');
  const [body, setBody] = useState(article?.body ?? '');
  const [busy, setBusy] = useState<null | 'save' | 'delete'>(null);
  const dirty =
    !article ||
    title !== article.title ||
    body !== article.body ||
    parseTags(tags).join('\n') !== article.tags.join('\n');

  const save = async (event?: FormEvent) => {
    event?.preventDefault();
    if (!title.trim() || !body.trim() || busy) return;
    setBusy('save');
    try {
      const payload = { title: title.trim(), body, tags: parseTags(tags) };
      const { article: saved } = article
        ? await api.updateArticle(article.id, payload)
        : await api.createArticle(payload);
      toast({ text: article ? t('common.saved') : t('kb.created'), tone: 'success' }, 2000);
      onSaved(saved);
    } catch (error) {
      toast({ text: errorText(t, error), tone: 'error' });
    } finally {
      setBusy(null);
    }
  };

  const remove = async () => {
    if (!article || !window.confirm(t('common.confirmDelete', { name: article.title }))) return;
    setBusy('delete');
    try {
      await api.deleteArticle(article.id);
      toast({ text: t('kb.deleted'), tone: 'success' }, 2000);
      onDeleted(article.id);
    } catch (error) {
      toast({ text: errorText(t, error), tone: 'error' });
      setBusy(null);
    }
  };

  return (
    <form
      className="card kb-editor"
      onSubmit={save}
      onKeyDown={(e) => {
        if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 's') {
          e.preventDefault();
          save();
        }
      }}
      data-testid="kb-editor"
    >
      <input
        className="kb-title-input"
        placeholder={t('kb.title')}
        value={title}
        maxLength={200}
        required
        onChange={(e) => setTitle(e.target.value)}
        data-testid="kb-title"
      />
      <div className="kb-tags-row">
        <Icon name="tag" size={14} />
        <input
          className="kb-tags-input"
          placeholder={`${t('kb.tags')} — ${t('kb.tagsHint')}`}
          value={tags}
          onChange={(e) => setTags(e.target.value)}
          data-testid="kb-tags"
        />
      </div>
      <textarea
        className="kb-body-input"
        placeholder={t('kb.bodyHint')}
        value={body}
        maxLength={20000}
        required
        onChange={(e) => setBody(e.target.value)}
        data-testid="kb-body"
      />
      <div className="kb-editor-bar">
        <span className="muted small">
          {t('kb.chars', { count: body.length })}
          {article && ` · ${t('kb.updated', { time: shortTime(article.updatedAt, now, language) })}`}
          {dirty && article && <span className="dirty"> · {t('common.unsaved')}</span>}
        </span>
        <span className="spacer" />
        {article && (
          <button
            type="button"
            className="button danger-ghost"
            onClick={remove}
            disabled={busy !== null}
            data-testid="kb-delete"
          >
            {busy === 'delete' ? <Spinner size={12} /> : <Icon name="trash" />}
            {t('common.delete')}
          </button>
        )}
        <button
          type="submit"
          className="button primary"
          disabled={busy !== null || !dirty || !title.trim() || !body.trim()}
          data-testid="kb-save"
        >
          {busy === 'save' && <Spinner size={12} />}
          {t('common.save')}
          <kbd className="kbd on-primary">{/Mac|iPhone|iPad/.test(navigator.platform) ? '⌘S' : 'Ctrl S'}</kbd>
        </button>
      </div>
    </form>
  );
}

function RetrievalTester() {
  const { t } = useI18n();
  const [question, setQuestion] = useState('');
  const [results, setResults] = useState<KbResult[] | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (event: FormEvent) => {
    event.preventDefault();
    if (!question.trim()) return;
    setBusy(true);
    try {
      setResults((await api.searchKb(question.trim(), 3)).results);
    } catch (error) {
      toast({ text: errorText(t, error), tone: 'error' });
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="card tester" data-testid="kb-tester">
      <div className="tester-head">
        <Icon name="sparkles" />
        <div>
          <div className="card-title">{t('kb.test')}</div>
          <div className="muted small">{t('kb.testHint')}</div>
        </div>
      </div>
      <form className="tester-form" onSubmit={run}>
        <input
          value={question}
          placeholder={t('kb.testPlaceholder')}
          onChange={(e) => setQuestion(e.target.value)}
          data-testid="kb-test-input"
        />
        <button type="submit" className="button" disabled={busy}>
          {busy ? <Spinner size={12} /> : <Icon name="search" />}
          {t('common.search')}
        </button>
      </form>
      {results &&
        (results.length === 0 ? (
          <p className="muted small">{t('kb.noResults')}</p>
        ) : (
          <ol className="tester-results">
            {results.map((r) => (
              <li key={r.articleId}>
                <div className="tester-result-head">
                  <strong>{r.title}</strong>
                  <span className="score" title="similarity">
                    {r.score.toFixed(2)}
                  </span>
                </div>
                <p>{previewLine(r.text, 220)}</p>
              </li>
            ))}
          </ol>
        ))}
    </div>
  );
}
