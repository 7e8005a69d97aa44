import { type Ref, useEffect, useImperativeHandle, useLayoutEffect, useRef, useState } from 'react';
import { ApiError, api, uploadedAttachment } from './api.ts';
import { toast, useConsole, useStore } from './console-context.ts';
import { fileSize, previewLine } from './format.ts';
import { useI18n } from './i18n.ts';
import { Icon } from './icons.tsx';
import { cannedQuery, expandCanned, insertCanned, matchCanned } from './shortcuts.ts';
import type { Attachment, CannedReply, ConsoleConversation } from './types.ts';
import { errorText, Kbd, Spinner } from './ui.tsx';

export interface ComposerHandle {
  focus: (mode: 'reply' | 'note') => void;
}

type Mode = 'reply' | 'note';
interface Upload {
  key: string;
  name: string;
  size: number;
  attachment?: Attachment;
  failed?: boolean;
}

/** Drafts survive switching conversations (not reloads). */
const drafts = new Map<string, { text: string; mode: Mode }>();
const TYPING_REFRESH_MS = 3000;
const TYPING_IDLE_MS = 4000;

export function Composer({
  conversation,
  visitorName,
  ref,
}: {
  conversation: ConsoleConversation;
  visitorName: string;
  ref?: Ref<ComposerHandle>;
}) {
  const { t } = useI18n();
  const store = useStore();
  const canned = useConsole((s) => s.canned);
  const cannedMissing = useConsole((s) => s.missing.canned === true);
  const me = useConsole((s) => s.me);
  const draft = drafts.get(conversation.id);
  const [text, setText] = useState(draft?.text ?? '');
  const [mode, setMode] = useState<Mode>(draft?.mode ?? 'reply');
  const [caret, setCaret] = useState(0);
  const [cursor, setCursor] = useState(0);
  const [cannedClosed, setCannedClosed] = useState(false);
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [suggesting, setSuggesting] = useState(false);
  const input = useRef<HTMLTextAreaElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const pendingCaret = useRef<number | null>(null);
  const typing = useRef<{ sentAt: number; timer?: ReturnType<typeof setTimeout> }>({ sentAt: 0 });

  useImperativeHandle(ref, () => ({
    focus: (next) => {
      setMode(next);
      input.current?.focus();
    },
  }));

  useEffect(() => {
    drafts.set(conversation.id, { text, mode });
  }, [conversation.id, text, mode]);

  // Stop "typing…" when leaving the conversation.
  useEffect(() => {
    const state = typing.current;
    const id = conversation.id;
    return () => {
      clearTimeout(state.timer);
      if (state.sentAt) store.typingNow(id, false);
    };
  }, [conversation.id, store]);

  // Grow with the text, up to a limit.
  // biome-ignore lint/correctness/useExhaustiveDependencies: measure again whenever the text changes
  useLayoutEffect(() => {
    const el = input.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, 240)}px`;
    if (pendingCaret.current !== null) {
      el.setSelectionRange(pendingCaret.current, pendingCaret.current);
      pendingCaret.current = null;
    }
  }, [text]);

  const query = cannedClosed ? null : cannedQuery(text, caret);
  const matches = query ? matchCanned(canned, query.query) : [];
  const cannedOpen = query !== null;

  const signalTyping = (value: string) => {
    if (mode !== 'reply') return;
    const state = typing.current;
    const now = Date.now();
    clearTimeout(state.timer);
    if (!value.trim()) {
      if (state.sentAt) store.typingNow(conversation.id, false);
      state.sentAt = 0;
      return;
    }
    if (now - state.sentAt > TYPING_REFRESH_MS) {
      store.typingNow(conversation.id, true);
      state.sentAt = now;
    }
    state.timer = setTimeout(() => {
      store.typingNow(conversation.id, false);
      state.sentAt = 0;
    }, TYPING_IDLE_MS);
  };

  const insert = (reply: CannedReply) => {
    if (!query) return;
    const expanded = expandCanned(reply.text, { name: visitorName, visitor: visitorName, agent: me.name });
    const next = insertCanned(text, query.start, caret, expanded);
    setText(next.text);
    setCaret(next.caret);
    pendingCaret.current = next.caret;
    setCannedClosed(true);
    input.current?.focus();
  };

  const readyAttachments = uploads.filter((u) => u.attachment).map((u) => u.attachment!);
  const uploading = uploads.some((u) => !u.attachment && !u.failed);
  const canSend = (text.trim().length > 0 || readyAttachments.length > 0) && !uploading;

  const send = () => {
    if (!canSend) return;
    store.send(
      conversation.id,
      text.trim(),
      mode === 'note',
      readyAttachments.map((a) => a.id),
    );
    clearTimeout(typing.current.timer);
    if (typing.current.sentAt) store.typingNow(conversation.id, false);
    typing.current.sentAt = 0;
    setText('');
    setUploads([]);
    setCannedClosed(false);
  };

  const upload = async (files: FileList | File[]) => {
    for (const file of Array.from(files)) {
      const key = `${file.name}:${file.size}:${Date.now()}`;
      setUploads((list) => [...list, { key, name: file.name, size: file.size }]);
      try {
        const attachment = uploadedAttachment(await api.upload(file));
        if (!attachment) throw new Error('no attachment in the answer');
        setUploads((list) => list.map((u) => (u.key === key ? { ...u, attachment } : u)));
      } catch (error) {
        setUploads((list) => list.map((u) => (u.key === key ? { ...u, failed: true } : u)));
        toast({
          text:
            error instanceof ApiError && error.missing
              ? t('composer.uploadUnavailable')
              : `${t('composer.uploadFailed', { name: file.name })} — ${errorText(t, error)}`,
          tone: 'error',
        });
      }
    }
  };

  const suggest = async () => {
    setSuggesting(true);
    try {
      const { suggestion } = await api.suggestedReply(conversation.id);
      if (suggestion.source === 'none' || !suggestion.text.trim())
        toast({ text: t('composer.noSuggestion'), tone: 'info' });
      else {
        setMode('reply');
        setText(suggestion.text);
        pendingCaret.current = suggestion.text.length;
        input.current?.focus();
      }
    } catch (error) {
      toast({ text: errorText(t, error), tone: 'error' });
    } finally {
      setSuggesting(false);
    }
  };

  const placeholder =
    mode === 'note'
      ? t('composer.placeholderNote')
      : conversation.status === 'bot'
        ? t('composer.placeholderBot')
        : t('composer.placeholderReply', { name: visitorName });

  return (
    <div className={`composer ${mode}`} data-testid="composer" data-mode={mode}>
      <div className="composer-tabs" role="tablist">
        <button
          type="button"
          role="tab"
          aria-selected={mode === 'reply'}
          className={mode === 'reply' ? 'composer-tab active' : 'composer-tab'}
          onClick={() => {
            setMode('reply');
            input.current?.focus();
          }}
          data-testid="composer-mode-reply"
        >
          <Icon name="message" size={14} />
          {t('composer.reply')}
        </button>
        <button
          type="button"
          role="tab"
          aria-selected={mode === 'note'}
          className={mode === 'note' ? 'composer-tab active' : 'composer-tab'}
          onClick={() => {
            setMode('note');
            input.current?.focus();
          }}
          data-testid="composer-mode-note"
        >
          <Icon name="lock" size={14} />
          {t('composer.note')}
        </button>
      </div>
      {cannedOpen && (
        <div
          className="canned-menu"
          data-testid="canned-menu"
          role="listbox"
          aria-label={t('composer.canned')}
        >
          <div className="canned-head">
            <Icon name="zap" size={12} />
            {t('composer.canned')}
          </div>
          {matches.length === 0 ? (
            <div className="canned-empty">
              {canned.length === 0 || cannedMissing
                ? t('composer.cannedNone')
                : t('composer.cannedEmpty', { q: query?.query ?? '' })}
            </div>
          ) : (
            matches.map((reply, index) => (
              <button
                type="button"
                role="option"
                aria-selected={index === Math.min(cursor, matches.length - 1)}
                key={reply.id}
                className={
                  index === Math.min(cursor, matches.length - 1) ? 'canned-item focused' : 'canned-item'
                }
                onMouseDown={(e) => {
                  e.preventDefault();
                  insert(reply);
                }}
                onMouseEnter={() => setCursor(index)}
                data-testid="canned-item"
              >
                <span className="canned-shortcut">/{reply.shortcut.replace(/^\//, '')}</span>
                <span className="canned-text">{previewLine(reply.text, 140)}</span>
              </button>
            ))
          )}
        </div>
      )}
      {uploads.length > 0 && (
        <div className="upload-list">
          {uploads.map((u) => (
            <span key={u.key} className={`upload-chip${u.failed ? ' failed' : ''}`}>
              {!u.attachment && !u.failed ? <Spinner size={12} /> : <Icon name="file" size={12} />}
              <span className="upload-name">{u.name}</span>
              <span className="upload-size">{fileSize(u.size)}</span>
              <button
                type="button"
                className="icon-button tiny"
                aria-label={t('composer.remove')}
                onClick={() => setUploads((list) => list.filter((x) => x.key !== u.key))}
              >
                <Icon name="x" size={12} />
              </button>
            </span>
          ))}
        </div>
      )}
      <textarea
        ref={input}
        className="composer-input"
        rows={2}
        value={text}
        placeholder={placeholder}
        onChange={(e) => {
          setText(e.target.value);
          setCaret(e.target.selectionStart);
          setCannedClosed(false);
          setCursor(0);
          signalTyping(e.target.value);
        }}
        onSelect={(e) => setCaret(e.currentTarget.selectionStart)}
        onPaste={(e) => {
          const files = Array.from(e.clipboardData.files);
          if (files.length > 0) {
            e.preventDefault();
            upload(files);
          }
        }}
        onKeyDown={(e) => {
          if (e.nativeEvent.isComposing) return;
          if (cannedOpen && matches.length > 0) {
            if (e.key === 'ArrowDown') {
              e.preventDefault();
              setCursor((c) => (Math.min(c, matches.length - 1) + 1) % matches.length);
              return;
            }
            if (e.key === 'ArrowUp') {
              e.preventDefault();
              setCursor((c) => (Math.min(c, matches.length - 1) - 1 + matches.length) % matches.length);
              return;
            }
            if (e.key === 'Enter' || e.key === 'Tab') {
              e.preventDefault();
              const reply = matches[Math.min(cursor, matches.length - 1)];
              if (reply) insert(reply);
              return;
            }
          }
          if (cannedOpen && e.key === 'Escape') {
            e.preventDefault();
            e.stopPropagation();
            setCannedClosed(true);
            return;
          }
          if (e.key === 'Enter' && !e.shiftKey) {
            e.preventDefault();
            send();
          }
        }}
        data-testid="composer-input"
      />
      <div className="composer-bar">
        <input
          ref={fileInput}
          type="file"
          multiple
          hidden
          onChange={(e) => {
            if (e.target.files) upload(e.target.files);
            e.target.value = '';
          }}
        />
        <button
          type="button"
          className="icon-button"
          onClick={() => fileInput.current?.click()}
          title={t('composer.attach')}
          aria-label={t('composer.attach')}
          data-testid="composer-attach"
        >
          <Icon name="paperclip" />
        </button>
        <button
          type="button"
          className="icon-button"
          onClick={() => {
            const el = input.current;
            if (!el) return;
            const at = el.selectionStart;
            const before = text.slice(0, at);
            const prefix = before === '' || /\s$/.test(before) ? '/' : ' /';
            const next = text.slice(0, at) + prefix + text.slice(at);
            setText(next);
            setCaret(at + prefix.length);
            pendingCaret.current = at + prefix.length;
            setCannedClosed(false);
            el.focus();
          }}
          title={`${t('composer.canned')} (/)`}
          aria-label={t('composer.canned')}
          data-testid="composer-canned"
        >
          <Icon name="zap" />
        </button>
        <button
          type="button"
          className="button ghost small"
          onClick={suggest}
          disabled={suggesting}
          data-testid="composer-suggest"
        >
          {suggesting ? <Spinner size={12} /> : <Icon name="sparkles" size={14} />}
          {suggesting ? t('composer.suggesting') : t('composer.suggest')}
        </button>
        <span className="composer-hint">
          <Kbd>Enter</Kbd> {t('composer.send')}
        </span>
        <button
          type="button"
          className={`button ${mode === 'note' ? 'note' : 'primary'}`}
          onClick={send}
          disabled={!canSend}
          data-testid="composer-send"
        >
          <Icon name={mode === 'note' ? 'lock' : 'send'} size={14} />
          {mode === 'note' ? t('composer.addNote') : t('composer.send')}
        </button>
      </div>
    </div>
  );
}
