import { type ReactNode, type RefObject, useEffect, useRef } from 'react';
import { ApiError } from './api.ts';
import { dismissToast, useToasts } from './console-context.ts';
import { avatarColors, initials } from './format.ts';
import type { Translate } from './i18n.ts';
import { Icon, type IconName } from './icons.tsx';
import type { ConversationStatus, PresenceStatus } from './types.ts';

export function Avatar({
  id,
  name,
  size = 32,
  presence,
  kind,
}: {
  id: string;
  name: string;
  size?: number;
  presence?: PresenceStatus | undefined;
  kind?: 'bot';
}) {
  const colors = kind === 'bot' ? { background: 'var(--bot-soft)', color: 'var(--bot)' } : avatarColors(id);
  return (
    <span className="avatar" style={{ width: size, height: size, fontSize: size * 0.4, ...colors }}>
      {kind === 'bot' ? <Icon name="sparkles" size={size * 0.5} /> : initials(name)}
      {presence && <span className={`presence-dot ${presence}`} />}
    </span>
  );
}

export function StatusBadge({ status, label }: { status: ConversationStatus; label: string }) {
  return (
    <span className={`badge status-${status}`} data-testid="conversation-status" data-status={status}>
      {label}
    </span>
  );
}

export function Kbd({ children }: { children: ReactNode }) {
  return <kbd className="kbd">{children}</kbd>;
}

export function Spinner({ size = 16 }: { size?: number }) {
  return <span className="spinner" style={{ width: size, height: size }} aria-hidden="true" />;
}

export function Switch({
  checked,
  onChange,
  label,
  testId,
  disabled,
}: {
  checked: boolean;
  onChange: (value: boolean) => void;
  label: string;
  testId?: string;
  disabled?: boolean;
}) {
  return (
    <button
      type="button"
      role="switch"
      aria-checked={checked}
      aria-label={label}
      className={`switch${checked ? ' on' : ''}`}
      onClick={() => onChange(!checked)}
      data-testid={testId}
      disabled={disabled}
    >
      <span className="switch-knob" />
    </button>
  );
}

/** Closes a popover on a click outside it or on Escape. */
export function useDismiss(ref: RefObject<HTMLElement | null>, open: boolean, onClose: () => void): void {
  const close = useRef(onClose);
  close.current = onClose;
  useEffect(() => {
    if (!open) return;
    const onPointer = (event: PointerEvent) => {
      if (ref.current && !ref.current.contains(event.target as Node)) close.current();
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        event.stopPropagation();
        close.current();
      }
    };
    document.addEventListener('pointerdown', onPointer, true);
    document.addEventListener('keydown', onKey, true);
    return () => {
      document.removeEventListener('pointerdown', onPointer, true);
      document.removeEventListener('keydown', onKey, true);
    };
  }, [open, ref]);
}

export function Modal({
  title,
  onClose,
  children,
  testId,
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  testId?: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useDismiss(ref, true, onClose);
  return (
    <div className="modal-backdrop">
      <div
        className="modal"
        role="dialog"
        aria-modal="true"
        aria-label={title}
        ref={ref}
        data-testid={testId}
      >
        <div className="modal-head">
          <h2>{title}</h2>
          <button type="button" className="icon-button" onClick={onClose} aria-label="Close">
            <Icon name="x" />
          </button>
        </div>
        <div className="modal-body">{children}</div>
      </div>
    </div>
  );
}

export function EmptyState({ icon, title, hint }: { icon: IconName; title: string; hint?: string }) {
  return (
    <div className="empty-state">
      <span className="empty-icon">
        <Icon name={icon} size={22} />
      </span>
      <p className="empty-title">{title}</p>
      {hint && <p className="empty-hint">{hint}</p>}
    </div>
  );
}

export function Toasts() {
  const list = useToasts();
  return (
    <div className="toasts" aria-live="polite">
      {list.map((item) => (
        <div key={item.id} className={`toast ${item.tone}`} data-testid="toast">
          <span>{item.text}</span>
          {item.action && (
            <button
              type="button"
              className="toast-action"
              onClick={() => {
                item.action?.run();
                dismissToast(item.id);
              }}
            >
              {item.action.label}
            </button>
          )}
          <button
            type="button"
            className="toast-close"
            onClick={() => dismissToast(item.id)}
            aria-label="Close"
          >
            <Icon name="x" size={14} />
          </button>
        </div>
      ))}
    </div>
  );
}

/** A sentence for an error an action met. */
export function errorText(t: Translate, error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 0 && error.code === 'NETWORK') return t('error.network');
    if (error.missing) return t('error.missing');
    if (error.status === 403) return t('error.forbidden');
    return t('error.generic', { message: error.message });
  }
  return t('error.generic', { message: error instanceof Error ? error.message : String(error) });
}

export function Field({ label, hint, children }: { label: string; hint?: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control is the child
    <label className="field">
      <span className="field-label">{label}</span>
      {children}
      {hint && <span className="field-hint">{hint}</span>}
    </label>
  );
}
