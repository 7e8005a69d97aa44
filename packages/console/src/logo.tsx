/** The product mark: a speech bubble on the brand colour. */
export function Logo({ size = 28 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden="true" className="logo">
      <rect width="32" height="32" rx="9" fill="var(--brand)" />
      <path
        d="M9 11.5C9 9.6 10.6 8 12.5 8h7c1.9 0 3.5 1.6 3.5 3.5v5c0 1.9-1.6 3.5-3.5 3.5H15l-4.2 3.4c-.5.4-1.1 0-1.1-.6V20A3.5 3.5 0 0 1 9 16.5z"
        fill="#fff"
      />
      <circle cx="13.2" cy="14" r="1.2" fill="var(--brand)" />
      <circle cx="16" cy="14" r="1.2" fill="var(--brand)" />
      <circle cx="18.8" cy="14" r="1.2" fill="var(--brand)" />
    </svg>
  );
}
