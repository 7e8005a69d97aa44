import { type FormEvent, useState } from 'react';
import { api, cannedList } from '../api.ts';
import { toast, useStore } from '../console-context.ts';
import { useI18n } from '../i18n.ts';
import { Icon } from '../icons.tsx';
import type { CannedReply } from '../types.ts';
import { EmptyState, errorText, Spinner } from '../ui.tsx';
import { AdminSectionFrame, Unavailable } from './admin-section.tsx';
import { useResource } from './use-resource.ts';

/** A shortcut as the server stores it: `[a-z0-9_-]{1,32}`, no leading slash. */
export function normalizeShortcut(raw: string): string {
  return raw
    .trim()
    .toLowerCase()
    .replace(/^\/+/, '')
    .replace(/\s+/g, '-')
    .replace(/[^a-z0-9_-]/g, '')
    .slice(0, 32);
}

export function CannedAdmin({ isAdmin }: { isAdmin: boolean }) {
  const { t } = useI18n();
  const store = useStore();
  const replies = useResource(() => api.cannedReplies().then(cannedList));
  const [editing, setEditing] = useState<string | null>(null);

  const update = (list: CannedReply[]) => {
    replies.setData(() => list);
    store.setCanned(list);
  };

  return (
    <AdminSectionFrame
      title={t('admin.canned')}
      intro={t('canned.intro')}
      actions={
        isAdmin && !replies.missing ? (
          <button
            type="button"
            className="button primary"
            onClick={() => setEditing('new')}
            data-testid="canned-add"
          >
            <Icon name="plus" />
            {t('canned.add')}
          </button>
        ) : null
      }
    >
      {replies.missing ? (
        <Unavailable text={t('canned.unavailable')} />
      ) : replies.loading && !replies.data ? (
        <Spinner />
      ) : (
        <div className="card list-card" data-testid="canned-list">
          {editing === 'new' && (
            <CannedForm
              onCancel={() => setEditing(null)}
              onSaved={(reply) => {
                update([...(replies.data ?? []), reply]);
                setEditing(null);
              }}
            />
          )}
          {(replies.data ?? []).length === 0 && editing !== 'new' ? (
            <EmptyState icon="zap" title={t('canned.empty')} />
          ) : (
            (replies.data ?? []).map((reply) =>
              editing === reply.id ? (
                <CannedForm
                  key={reply.id}
                  reply={reply}
                  onCancel={() => setEditing(null)}
                  onSaved={(saved) => {
                    update((replies.data ?? []).map((r) => (r.id === saved.id ? saved : r)));
                    setEditing(null);
                  }}
                />
              ) : (
                <div key={reply.id} className="list-row" data-testid="canned-row">
                  <code className="canned-shortcut">/{reply.shortcut}</code>
                  <span className="list-row-text">{reply.text}</span>
                  {isAdmin && (
                    <span className="row-actions">
                      <button
                        type="button"
                        className="icon-button"
                        onClick={() => setEditing(reply.id)}
                        aria-label={t('common.edit')}
                      >
                        <Icon name="pencil" />
                      </button>
                      <button
                        type="button"
                        className="icon-button danger"
                        aria-label={t('common.delete')}
                        onClick={async () => {
                          if (!window.confirm(t('common.confirmDelete', { name: `/${reply.shortcut}` })))
                            return;
                          try {
                            await api.deleteCannedReply(reply.id);
                            update((replies.data ?? []).filter((r) => r.id !== reply.id));
                          } catch (error) {
                            toast({ text: errorText(t, error), tone: 'error' });
                          }
                        }}
                      >
                        <Icon name="trash" />
                      </button>
                    </span>
                  )}
                </div>
              ),
            )
          )}
        </div>
      )}
    </AdminSectionFrame>
  );
}

function CannedForm({
  reply,
  onSaved,
  onCancel,
}: {
  reply?: CannedReply;
  onSaved: (reply: CannedReply) => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const [shortcut, setShortcut] = useState(reply?.shortcut ?? '');
  const [text, setText] = useState(reply?.text ?? '');
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const body = { shortcut: normalizeShortcut(shortcut), text: text.trim() };
    if (!body.shortcut || !body.text) return;
    setBusy(true);
    try {
      const answer = reply ? await api.updateCannedReply(reply.id, body) : await api.createCannedReply(body);
      const saved = answer.cannedReply ?? answer.reply;
      onSaved(saved ?? { id: reply?.id ?? body.shortcut, ...body });
    } catch (error) {
      toast({ text: errorText(t, error), tone: 'error' });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="canned-form" onSubmit={submit} data-testid="canned-form">
      <div className="canned-form-shortcut">
        <span>/</span>
        <input
          placeholder={t('canned.shortcut')}
          value={shortcut}
          required
          // biome-ignore lint/a11y/noAutofocus: the form was opened to type in it
          autoFocus
          onChange={(e) => setShortcut(e.target.value)}
          data-testid="canned-shortcut"
        />
      </div>
      <textarea
        placeholder={t('canned.text')}
        value={text}
        rows={3}
        required
        onChange={(e) => setText(e.target.value)}
        data-testid="canned-text"
      />
      <div className="form-actions">
        <button type="button" className="button" onClick={onCancel}>
          {t('common.cancel')}
        </button>
        <button type="submit" className="button primary" disabled={busy} data-testid="canned-save">
          {busy && <Spinner size={12} />}
          {t('common.save')}
        </button>
      </div>
    </form>
  );
}
