import { createContext, useContext, useEffect, useState, useSyncExternalStore } from 'react';
import type { ConsoleState, ConsoleStore } from './console-store.ts';

export const StoreContext = createContext<ConsoleStore | null>(null);

export function useStore(): ConsoleStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useStore outside <StoreContext.Provider>');
  return store;
}

/** A slice of the console state; re-renders only when the selected value changes (by identity). */
export function useConsole<T>(selector: (state: ConsoleState) => T): T {
  const store = useStore();
  return useSyncExternalStore(store.subscribe, () => selector(store.getState()));
}

/** The current time, refreshed every `everyMs` (relative times in lists). */
export function useNow(everyMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

export type Toast = {
  id: number;
  text: string;
  tone: 'info' | 'error' | 'success';
  action?: { label: string; run: () => void };
};

type ToastInput = Omit<Toast, 'id'>;
const toastListeners = new Set<(toasts: Toast[]) => void>();
let toasts: Toast[] = [];
let nextToast = 1;

function emitToasts(): void {
  for (const listener of toastListeners) listener(toasts);
}

export function toast(input: ToastInput, ms = 4000): void {
  const item = { ...input, id: nextToast++ };
  toasts = [...toasts.slice(-3), item];
  emitToasts();
  setTimeout(() => dismissToast(item.id), ms);
}

export function dismissToast(id: number): void {
  toasts = toasts.filter((t) => t.id !== id);
  emitToasts();
}

export function useToasts(): Toast[] {
  return useSyncExternalStore(
    (listener) => {
      toastListeners.add(listener);
      return () => toastListeners.delete(listener);
    },
    () => toasts,
  );
}
