import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../api.ts';

export interface Resource<T> {
  data: T | null;
  error: unknown;
  /** The server has no such route (yet). */
  missing: boolean;
  loading: boolean;
  reload: () => void;
  setData: (update: (current: T | null) => T | null) => void;
}

/** Loads something once (and on `reload`, or when `key` changes), keeping the last good value. */
export function useResource<T>(load: () => Promise<T>, key = ''): Resource<T> {
  const [data, setDataState] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const loader = useRef(load);
  loader.current = load;
  // biome-ignore lint/correctness/useExhaustiveDependencies: tick and key ask for a reload
  useEffect(() => {
    let alive = true;
    setLoading(true);
    loader
      .current()
      .then((value) => {
        if (!alive) return;
        setDataState(value);
        setError(null);
      })
      .catch((err: unknown) => alive && setError(err))
      .finally(() => alive && setLoading(false));
    return () => {
      alive = false;
    };
  }, [tick, key]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  const setData = useCallback((update: (current: T | null) => T | null) => setDataState(update), []);
  const missing = error instanceof ApiError && (error.missing || error.status === 404);
  return { data, error, missing, loading, reload, setData };
}
